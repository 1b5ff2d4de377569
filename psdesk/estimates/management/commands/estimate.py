from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.core.types import Actor
from psdesk.estimates import exports, selectors, services


class Command(BaseCommand):
    help = (
        "Estimates from the command line, as a given user (PubSec rules apply).\n"
        "  psdesk estimate list 12 --as erin\n"
        "  psdesk estimate show 34 --as erin\n"
        "  psdesk estimate new 12 --as erin [--from-draft] [--based-on 34] [--pricing tm]\n"
        "  psdesk estimate share 34 --as erin\n"
        "  psdesk estimate revoke-link 5 --as erin\n"
        "  psdesk estimate review 34 approved|changes_requested --as tara [--comment '...']\n"
        "  psdesk estimate diff 34 35 --as erin\n"
        "  psdesk estimate export 34 --as erin --out estimate.xlsx [--internal] | --out estimate.pdf"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)

        def add(name: str, *args: tuple[str, dict[str, Any]]) -> Any:
            p = sub.add_parser(name)
            for arg, kw in args:
                p.add_argument(arg, **kw)
            p.add_argument("--as", dest="as_user", required=True)
            return p

        add("list", ("engagement_id", {"type": int}))
        add("show", ("version_id", {"type": int}))
        p = add("new", ("engagement_id", {"type": int}))
        p.add_argument("--from-draft", action="store_true")
        p.add_argument("--based-on", type=int, default=None)
        p.add_argument("--pricing", choices=["fixed_fee", "tm"], default=None)
        add("share", ("version_id", {"type": int}))
        add("revoke-link", ("link_id", {"type": int}))
        p = add("review", ("version_id", {"type": int}), ("decision", {"choices": ["approved", "changes_requested"]}))
        p.add_argument("--comment", default="")
        add("diff", ("a", {"type": int}), ("b", {"type": int}))
        p = add("export", ("version_id", {"type": int}))
        p.add_argument("--out", required=True)
        p.add_argument("--internal", action="store_true")

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(username=o["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {o['as_user']!r}")
        if not user.has_perm("estimates.view_estimateversion"):
            raise CommandError(f"{user.username} may not see estimates")
        try:
            getattr(self, "do_" + o["sub"].replace("-", "_"))(user, o)
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None

    def _line(self, v: Any, user: Actor) -> str:
        cost = user.has_perm("estimates.view_estimate_cost")
        margin = f"  margin {v.margin:.2%}" if cost and v.margin is not None else ""
        head = f"{v.pk:>6}  v{v.number:<3} {v.status:<7} {v.pricing_model:<9} {v.hours:>9} h"
        return f"{head}  {v.currency} {v.price:>12,.2f}{margin}"

    def do_list(self, user: Actor, o: dict[str, Any]) -> None:
        for v in selectors.version_list(user=user, engagement_id=o["engagement_id"]):
            self.stdout.write(self._line(v, user))

    def do_show(self, user: Actor, o: dict[str, Any]) -> None:
        v = selectors.version_get(user=user, version_id=o["version_id"])
        self.stdout.write(self._line(v, user))
        for ln in selectors.version_lines(v):
            self.stdout.write(
                f"  {ln.activity[:40]:<40} {ln.role:<8} {ln.delivery:<7} "
                f"{ln.hours:>8} x {ln.rate:>7} = {ln.price:>11,.2f}"
                f"  [{', '.join(ln.provenance)}]"
            )

    def do_new(self, user: Actor, o: dict[str, Any]) -> None:
        v = services.estimate_version_create(
            engagement_id=o["engagement_id"],
            actor=user,
            from_draft=o["from_draft"],
            based_on_id=o["based_on"],
            pricing_model=o["pricing"],
        )
        self.stdout.write(self._line(v, user))

    def do_share(self, user: Actor, o: dict[str, Any]) -> None:
        shared = services.estimate_version_share(version_id=o["version_id"], actor=user)
        self.stdout.write(f"link {shared.link.pk} (expires {shared.link.expires_at:%Y-%m-%d}): /review/{shared.token}/")

    def do_revoke_link(self, user: Actor, o: dict[str, Any]) -> None:
        link = services.review_link_revoke(link_id=o["link_id"], actor=user)
        self.stdout.write(f"link {link.pk} revoked at {link.revoked_at:%Y-%m-%d %H:%M}")

    def do_review(self, user: Actor, o: dict[str, Any]) -> None:
        r = services.estimate_review_record(
            version_id=o["version_id"], actor=user, decision=o["decision"], comment=o["comment"]
        )
        self.stdout.write(f"v{r.version.number}: {r.decision}")

    def do_diff(self, user: Actor, o: dict[str, Any]) -> None:
        a = selectors.version_get(user=user, version_id=o["a"])
        b = selectors.version_get(user=user, version_id=o["b"])
        d = selectors.version_diff(a, b)
        for c in d.changes:
            if c.kind == "same":
                continue
            extra = f" ({', '.join(c.changed)})" if c.changed else ""
            self.stdout.write(
                f"{c.kind:<8} {c.activity} [{c.role}]{extra}  hours {c.hours_delta:+}  price {c.price_delta:+,.2f}"
            )
        margin = ""
        if d.margin_delta is not None and user.has_perm("estimates.view_estimate_cost"):
            margin = f"  margin {d.margin_delta * 100:+.2f} points"
        self.stdout.write(f"v{a.number} → v{b.number}: price {d.price_delta:+,.2f}{margin}")

    def do_export(self, user: Actor, o: dict[str, Any]) -> None:
        v = selectors.version_get(user=user, version_id=o["version_id"])
        out = Path(o["out"])
        lines = selectors.version_lines(v)
        if out.suffix == ".pdf":
            data = exports.estimate_pdf(v, lines)
        else:
            if o["internal"] and not user.has_perm("estimates.view_estimate_cost"):
                raise CommandError(f"{user.username} may not see cost")
            data = exports.estimate_xlsx(v, lines, internal=o["internal"])
        out.write_bytes(data)
        self.stdout.write(f"wrote {out} ({len(data):,} bytes)")
