from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.core.types import Actor
from psdesk.sows import rendering, selectors, services


class Command(BaseCommand):
    help = (
        "Statements of Work from the command line, as a given user (roles and PubSec rules apply).\n"
        "  psdesk sow generate ENGAGEMENT_ID --as erin [--billing-terms half_half]\n"
        "  psdesk sow versions SOW_ID --as erin\n"
        "  psdesk sow download VERSION_ID --as erin --format pdf|docx --out FILE\n"
        "  psdesk sow markup SOW_ID FILE.docx --as erin\n"
        "  psdesk sow review SOW_ID --as erin [--note ...]\n"
        "  psdesk sow stamp SOW_ID VERSION_ID --as lena\n"
        "  psdesk sow release SOW_ID --as erin\n"
        "  psdesk sow sign-customer SOW_ID --as erin --name N --title T [--date YYYY-MM-DD] [--pdf signed.pdf]\n"
        "  psdesk sow countersign SOW_ID --as rita [--name N]\n"
        "  psdesk sow fragments VERSION_ID --as erin --out FILE.zip\n"
        "  psdesk sow template --out FILE.docx   (rebuild the shipped docxtpl template)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)

        def cmd(name: str, *pos: str) -> CommandParser:
            p = sub.add_parser(name)
            for a in pos:
                p.add_argument(a, type=int)
            p.add_argument("--as", dest="as_user", required=name != "template")
            return p

        g = cmd("generate", "engagement_id")
        g.add_argument("--billing-terms", default=None)
        cmd("versions", "sow_id")
        d = cmd("download", "version_id")
        d.add_argument("--format", choices=["pdf", "docx"], default="pdf")
        d.add_argument("--out", required=True)
        m = cmd("markup", "sow_id")
        m.add_argument("file")
        r = cmd("review", "sow_id")
        r.add_argument("--note", default="")
        cmd("stamp", "sow_id", "version_id")
        rel = cmd("release", "sow_id")
        rel.add_argument("--signer-email", default="")
        rel.add_argument("--signer-name", default="")
        c = cmd("sign-customer", "sow_id")
        c.add_argument("--name", required=True)
        c.add_argument("--title", required=True)
        c.add_argument("--date", default=None)
        c.add_argument("--pdf", default=None)
        v = cmd("countersign", "sow_id")
        v.add_argument("--name", default="")
        v.add_argument("--title", default="")
        f = cmd("fragments", "version_id")
        f.add_argument("--out", required=True)
        t = cmd("template")
        t.add_argument("--out", default=str(rendering.TEMPLATE_PATH))

    def handle(self, *args: Any, **o: Any) -> None:
        if o["sub"] == "template":
            Path(o["out"]).write_bytes(rendering.build_docx_template())
            self.stdout.write(f"wrote {o['out']}")
            return
        user = User.objects.filter(username=o["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {o['as_user']!r}")
        try:
            self._run(user, o)
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None

    def _view(self, user: Actor) -> None:
        if not user.has_perm("sows.view_sow"):
            raise CommandError(f"{user.username} may not view SOWs")

    def _run(self, user: Actor, o: dict[str, Any]) -> None:
        sub = o["sub"]
        out = self.stdout.write
        if sub == "generate":
            v = services.sow_generate(engagement_id=o["engagement_id"], actor=user, billing_terms=o["billing_terms"])
            out(f"{v.sow.number} v{v.number}  {v.currency} {v.total:,.2f}  terms={v.terms_kind}  hash={v.content_hash}")
        elif sub == "versions":
            self._view(user)
            sow = selectors.sow_get(user=user, sow_id=o["sow_id"])
            for v in selectors.version_list(sow=sow):
                mark = "*" if v.pk == sow.current_id else " "
                out(f"{mark} v{v.number:<3} id={v.pk:<6} {v.source:<10} {v.total:>12,.2f}  {v.content_hash[:16]}")
        elif sub == "download":
            self._view(user)
            v = selectors.version_get(user=user, version_id=o["version_id"])
            f = v.docx if o["format"] == "docx" else v.pdf
            with f.open("rb") as fh:
                Path(o["out"]).write_bytes(fh.read())
            out(f"wrote {o['out']}")
        elif sub == "markup":
            data = Path(o["file"]).read_bytes()
            m = services.markup_upload(sow_id=o["sow_id"], actor=user, filename=Path(o["file"]).name, data=data)
            for c in m.changes:
                if c["insertions"] or c["deletions"] or c["comments"]:
                    out(
                        f"{c['heading'] or '(before the first section)'}: +{len(c['insertions'])} "
                        f"-{len(c['deletions'])} comments {len(c['comments'])}"
                    )
            out(f"mark-up {m.pk} stored")
        elif sub == "review":
            services.sow_review_record(sow_id=o["sow_id"], actor=user, note=o["note"])
            out("review recorded")
        elif sub == "stamp":
            case = services.sow_stamp(sow_id=o["sow_id"], version_id=o["version_id"], actor=user)
            out(f"legal case {case.pk}: stamped {case.content_hash}")
        elif sub == "release":
            services.sow_release(
                sow_id=o["sow_id"], actor=user, signer_email=o["signer_email"], signer_name=o["signer_name"]
            )
            out("released for signature")
        elif sub == "sign-customer":
            pdf = Path(o["pdf"]).read_bytes() if o["pdf"] else None
            day = datetime.date.fromisoformat(o["date"]) if o["date"] else None
            services.sow_customer_sign(
                sow_id=o["sow_id"], actor=user, name=o["name"], title=o["title"], signed_on=day, signed_pdf=pdf
            )
            out("customer signature recorded")
        elif sub == "countersign":
            services.sow_countersign(sow_id=o["sow_id"], actor=user, name=o["name"], title=o["title"])
            out("countersigned: executed")
        elif sub == "fragments":
            self._view(user)
            v = selectors.version_get(user=user, version_id=o["version_id"])
            Path(o["out"]).write_bytes(selectors.fragments_export(version=v))
            out(f"wrote {o['out']}")
