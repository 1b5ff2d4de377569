from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.types import Actor
from psdesk.sows import rendering, selectors, services


class Command(ActorCommand):
    help = "Statements of Work from the command line, as a given user (roles and PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        g = add("generate", "Generate the next SOW version from the customer-agreed estimate.")
        g.add_argument("engagement_id", type=int, help="the engagement's id")
        g.add_argument("--billing-terms", default=None, help="e.g. on_execution, tm_monthly, per_milestone, half_half")
        v = add("versions", "List a SOW's versions (* marks the current one).")
        v.add_argument("sow_id", type=int, help="the SOW's id")
        d = add("download", "Write one version's PDF or DOCX to a file.")
        d.add_argument("version_id", type=int, help="the version's id (see versions)")
        d.add_argument("--format", choices=["pdf", "docx"], default="pdf", help="pdf (default) or docx")
        d.add_argument("--out", required=True, help="the file to write")
        m = add("markup", "Upload the customer's marked-up DOCX and list its changes per section.")
        m.add_argument("sow_id", type=int, help="the SOW's id")
        m.add_argument("file", help="the customer's .docx file")
        r = add("review", "Record that the account team and the customer reviewed the current version.")
        r.add_argument("sow_id", type=int, help="the SOW's id")
        r.add_argument("--note", default="", help="who reviewed, when")
        s = add("stamp", "Legal stamp of the current version (after approval).")
        s.add_argument("sow_id", type=int, help="the SOW's id")
        s.add_argument("version_id", type=int, help="the current version's id")
        rel = add("release", "Release the stamped version to the customer signer for signature.")
        rel.add_argument("sow_id", type=int, help="the SOW's id")
        rel.add_argument("--signer-email", default="", help="the signer's email (default: the intake's signer contact)")
        rel.add_argument("--signer-name", default="", help="the signer's name")
        c = add("sign-customer", "Record the customer's signature on the released version.")
        c.add_argument("sow_id", type=int, help="the SOW's id")
        c.add_argument("--name", required=True, help="the customer signer's name")
        c.add_argument("--title", required=True, help="the customer signer's title")
        c.add_argument("--date", default=None, help="the signature date, YYYY-MM-DD (default: today)")
        c.add_argument("--pdf", default=None, help="the signed PDF, checked against the version's text")
        cs = add("countersign", "The vendor's countersignature: the SOW is executed.")
        cs.add_argument("sow_id", type=int, help="the SOW's id")
        cs.add_argument("--name", default="", help="the vendor signer's name (default: the vendor profile's signatory)")
        cs.add_argument("--title", default="", help="the vendor signer's title (default: the vendor profile's)")
        f = add("fragments", "Write the customer-paper zip (one DOCX per section) of an approved version.")
        f.add_argument("version_id", type=int, help="the current version's id")
        f.add_argument("--out", required=True, help="the .zip file to write")
        ver = add("verify", "Check an executed SOW PDF: the vendor's seal and the file's SHA-256.", as_user=False)
        ver.add_argument("file", help="the executed PDF to check")
        t = add("template", "Rebuild the shipped docxtpl DOCX template.", as_user=False)
        t.add_argument("--out", default=str(rendering.TEMPLATE_PATH), help="the .docx file to write")

    def _view(self, user: Actor) -> None:
        if not user.has_perm("sows.view_sow"):
            raise CommandError(f"{user.username} may not view SOWs")

    def do_generate(self, user: Actor, o: dict[str, Any]) -> None:
        v = services.sow_generate(engagement_id=o["engagement_id"], actor=user, billing_terms=o["billing_terms"])
        self.stdout.write(
            f"{v.sow.number} v{v.number}  {v.currency} {v.total:,.2f}  terms={v.terms_kind}  hash={v.content_hash}"
        )

    def do_versions(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        sow = selectors.sow_get(user=user, sow_id=o["sow_id"])
        for v in selectors.version_list(sow=sow):
            mark = "*" if v.pk == sow.current_id else " "
            self.stdout.write(
                f"{mark} v{v.number:<3} id={v.pk:<6} {v.source:<10} {v.total:>12,.2f}  {v.content_hash[:16]}"
            )

    def do_download(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        v = selectors.version_get(user=user, version_id=o["version_id"])
        if v.render_state != "ready":  # the worker has not rendered it yet: render here (not a web request)
            v = services.sow_version_render(version_id=v.pk)
            if v.render_state != "ready":
                raise CommandError(f"v{v.number} could not be rendered: {v.render_error}")
        f = v.docx if o["format"] == "docx" else v.pdf
        with f.open("rb") as fh:
            Path(o["out"]).write_bytes(fh.read())
        self.stdout.write(f"wrote {o['out']}")

    def do_markup(self, user: Actor, o: dict[str, Any]) -> None:
        data = Path(o["file"]).read_bytes()
        m = services.markup_upload(sow_id=o["sow_id"], actor=user, filename=Path(o["file"]).name, data=data)
        for c in m.changes:
            if c["insertions"] or c["deletions"] or c["comments"]:
                self.stdout.write(
                    f"{c['heading'] or '(before the first section)'}: +{len(c['insertions'])} "
                    f"-{len(c['deletions'])} comments {len(c['comments'])}"
                )
        self.stdout.write(f"mark-up {m.pk} stored")

    def do_review(self, user: Actor, o: dict[str, Any]) -> None:
        services.sow_review_record(sow_id=o["sow_id"], actor=user, note=o["note"])
        self.stdout.write("review recorded")

    def do_stamp(self, user: Actor, o: dict[str, Any]) -> None:
        case = services.sow_stamp(sow_id=o["sow_id"], version_id=o["version_id"], actor=user)
        self.stdout.write(f"legal case {case.pk}: stamped {case.content_hash}")

    def do_release(self, user: Actor, o: dict[str, Any]) -> None:
        services.sow_release(
            sow_id=o["sow_id"], actor=user, signer_email=o["signer_email"], signer_name=o["signer_name"]
        )
        self.stdout.write("released for signature")

    def do_sign_customer(self, user: Actor, o: dict[str, Any]) -> None:
        pdf = Path(o["pdf"]).read_bytes() if o["pdf"] else None
        day = datetime.date.fromisoformat(o["date"]) if o["date"] else None
        services.sow_customer_sign(
            sow_id=o["sow_id"], actor=user, name=o["name"], title=o["title"], signed_on=day, signed_pdf=pdf
        )
        self.stdout.write("customer signature recorded")

    def do_countersign(self, user: Actor, o: dict[str, Any]) -> None:
        services.sow_countersign(sow_id=o["sow_id"], actor=user, name=o["name"], title=o["title"])
        self.stdout.write("countersigned: executed")

    def do_fragments(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        v = selectors.version_get(user=user, version_id=o["version_id"])
        Path(o["out"]).write_bytes(selectors.fragments_export(version=v))
        self.stdout.write(f"wrote {o['out']}")

    def do_verify(self, user: None, o: dict[str, Any]) -> None:
        try:
            data = Path(o["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {o['file']}: {exc.strerror}") from None
        result = services.sow_pdf_verify(data=data)
        seal = result.seal
        self.stdout.write(f"sha256 {seal.sha256}")
        self.stdout.write(
            f"seal: {'intact' if seal.intact else 'BROKEN'}, {'trusted' if seal.trusted else 'NOT trusted'}"
            f", {'covers the whole file' if seal.whole_file else 'does NOT cover the whole file'}"
            + (f", by {seal.signer}" if seal.signer else "")
        )
        if not result.ok:
            raise CommandError("NOT VALID: " + "; ".join(result.problems))
        self.stdout.write(f"valid: the executed {result.sow_number}")

    def do_template(self, user: None, o: dict[str, Any]) -> None:
        Path(o["out"]).write_bytes(rendering.build_docx_template())
        self.stdout.write(f"wrote {o['out']}")
