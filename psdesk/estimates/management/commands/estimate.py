"""`psdesk estimate <subcommand> --as <user>`: estimate versions from the command line (PubSec rules apply)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder, actor_get
from psdesk.core.types import Actor
from psdesk.estimates import exports, selectors, services


class Command(ActorCommand):
    help = "Estimate versions from the command line, as a given user (PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        p = add("list", "List the estimate versions of an engagement.")
        p.add_argument("engagement_id", type=int, help="the engagement's id")
        p = add("show", "Show one version with its lines.")
        p.add_argument("version_id", type=int, help="the estimate version's id")
        p = add("new", "Create a new draft version (empty, from the calculator draft, or based on a version).")
        p.add_argument("engagement_id", type=int, help="the engagement's id")
        p.add_argument("--from-draft", action="store_true", help="start from the scoping calculator's draft lines")
        p.add_argument("--based-on", type=int, default=None, help="copy the lines of this version id")
        p.add_argument("--pricing", choices=["fixed_fee", "tm"], default=None, help="pricing model (default fixed_fee)")
        p = add("share", "Share a version with the customer (freezes it, prints a review link).")
        p.add_argument("version_id", type=int, help="the estimate version's id")
        p = add("revoke-link", "Revoke a customer review link at once.")
        p.add_argument("link_id", type=int, help="the review link's id")
        p = add("review", "Record a TA review of a version: approved, or changes_requested with a comment.")
        p.add_argument("version_id", type=int, help="the estimate version's id")
        p.add_argument("decision", choices=["approved", "changes_requested"], help="the TA's decision")
        p.add_argument("--comment", default="", help="what should change (required for changes_requested)")
        p = add("diff", "Compare two versions of one engagement line by line.")
        p.add_argument("a", type=int, help="the earlier version's id")
        p.add_argument("b", type=int, help="the later version's id")
        p = add("export", "Write a version as a workbook (.xlsx) or the customer PDF (.pdf).")
        p.add_argument("version_id", type=int, help="the estimate version's id")
        p.add_argument("--out", required=True, help="the file to write; its suffix picks .xlsx or .pdf")
        p.add_argument("--internal", action="store_true", help="xlsx only: add the Cost & margin sheet (cost roles)")

    def handle(self, *args: Any, **o: Any) -> None:
        if o.get("sub"):
            user = actor_get(o["as_user"])
            if not user.has_perm("estimates.view_estimateversion"):
                raise CommandError(f"{user.username} may not see estimates")
        super().handle(*args, **o)

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
