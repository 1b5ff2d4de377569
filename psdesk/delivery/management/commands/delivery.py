"""`psdesk delivery ...` — milestones, close-out and change orders from the command line, as a user
(PubSec rules apply); `sweep` runs the system's delivery sweep (expired change orders)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.types import Actor
from psdesk.delivery import selectors, services


class Command(ActorCommand):
    help = "Delivery: milestones, acceptance, close-out and change orders, as a given user."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        s = add("show", "Show a project's milestones, budget and close-out state.")
        s.add_argument("project_id", type=int, help="the project's id")
        c = add("complete", "Mark a milestone complete (sends the completion notice).")
        c.add_argument("milestone_id", type=int, help="the milestone's id")
        c.add_argument("--note", default="", help="a note to the customer in the notice")
        co = add("close-out", "Tick (or with --undo untick) a close-out item.")
        co.add_argument("project_id", type=int, help="the project's id")
        co.add_argument("key", help="final_report, satisfaction or lessons_learned")
        co.add_argument("--note", default="", help="the survey link, the lessons learned")
        co.add_argument("--undo", action="store_true", help="untick the item")
        cl = add("close", "Close the project (all milestones accepted, every check passes).")
        cl.add_argument("project_id", type=int, help="the project's id")
        cp = add("finish", "Complete the project (the close-out checklist is done).")
        cp.add_argument("project_id", type=int, help="the project's id")
        n = add("change-order", "Create a change order from a newer estimate version.")
        n.add_argument("project_id", type=int, help="the project's id")
        n.add_argument("estimate_version_id", type=int, help="the new estimate version's id")
        n.add_argument("--reason", required=True, help="why the scope changes")
        sb = add("submit", "Request the approvals of a change order.")
        sb.add_argument("change_order_id", type=int, help="the change order's id")
        se = add("send", "Send an approved change order for the customer's e-signature (emailed link).")
        se.add_argument("change_order_id", type=int, help="the change order's id")
        se.add_argument("--signer-email", default="", help="the customer's signer (default: the SOW's signer)")
        cs = add("countersign", "Countersign a customer-signed change order (the vendor signatory): executes it.")
        cs.add_argument("change_order_id", type=int, help="the change order's id")
        v = add(
            "verify",
            "Verify an executed change-order PDF (seal intact, trusted, whole file; known hash).",
            as_user=False,
        )
        v.add_argument("file", help="the PDF file")
        add("sweep", "Expire change orders not executed in time (idempotent).", as_user=False)

    def do_send(self, user: Actor, o: dict[str, Any]) -> None:
        c = services.change_order_send(change_order_id=o["change_order_id"], actor=user, signer_email=o["signer_email"])
        req = c.signature_requests.first()
        self.stdout.write(f"{c.code}: signing link sent to {req.signer_email if req else '?'}")

    def do_countersign(self, user: Actor, o: dict[str, Any]) -> None:
        c = services.change_order_countersign(change_order_id=o["change_order_id"], actor=user)
        self.stdout.write(f"{c.code}: executed; sealed PDF SHA-256 {c.executed_pdf_sha256}")

    def do_verify(self, user: None, o: dict[str, Any]) -> None:
        try:
            with open(o["file"], "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read {o['file']}: {exc.strerror}") from None
        r = services.change_order_pdf_verify(data=data)
        seal = r.seal
        self.stdout.write(f"sha256 {seal.sha256}")
        self.stdout.write(
            f"seal: {'intact' if seal.intact else 'BROKEN'}, {'trusted' if seal.trusted else 'NOT trusted'}"
            f", {'covers the whole file' if seal.whole_file else 'does NOT cover the whole file'}"
            + (f", by {seal.signer}" if seal.signer else "")
        )
        if not r.ok:
            raise CommandError("NOT VALID: " + "; ".join(r.problems))
        self.stdout.write(f"valid: the executed change order {r.code}")

    def _view(self, user: Actor) -> None:
        if not user.has_perm("delivery.view_milestone"):
            raise CommandError(f"403: {user.username} may not see delivery")

    def do_show(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        p = selectors.project_get(user=user, project_id=o["project_id"])
        b = selectors.project_budget(p)
        self.stdout.write(f"{p.name} ({p.get_status_display()}): budget {b.hours} h, {b.currency} {b.fee:,.2f}")
        for m in selectors.milestone_list(project=p):
            billed = m.billable_event.ref if hasattr(m, "billable_event") else "—"
            self.stdout.write(f"  {m.pk:>5}  {m}  {m.hours} h  {m.currency} {m.fee:,.2f}  {m.status}  billed: {billed}")
        for i in selectors.close_out_items(p):
            self.stdout.write(f"  [{'x' if i.done else ' '}] {i.get_key_display()}")

    def do_complete(self, user: Actor, o: dict[str, Any]) -> None:
        m = services.milestone_complete(milestone_id=o["milestone_id"], actor=user, note=o["note"])
        self.stdout.write(f"{m}: completion notice to {m.notice_to}")

    def do_close_out(self, user: Actor, o: dict[str, Any]) -> None:
        i = services.close_out_set(
            project_id=o["project_id"], key=o["key"], done=not o["undo"], note=o["note"], actor=user
        )
        self.stdout.write(f"{i.get_key_display()}: {'done' if i.done else 'open'}")

    def do_close(self, user: Actor, o: dict[str, Any]) -> None:
        a = services.project_close(project_id=o["project_id"], actor=user)
        self.stdout.write(f"project {o['project_id']}: {a.source} → {a.target}")

    def do_finish(self, user: Actor, o: dict[str, Any]) -> None:
        a = services.project_complete(project_id=o["project_id"], actor=user)
        self.stdout.write(f"project {o['project_id']}: {a.source} → {a.target}")

    def do_change_order(self, user: Actor, o: dict[str, Any]) -> None:
        c = services.change_order_create(
            project_id=o["project_id"], estimate_version_id=o["estimate_version_id"], reason=o["reason"], actor=user
        )
        self.stdout.write(
            f"{c.code} ({c.pk}): {c.hours_delta:+} h, {c.currency} {c.fee_delta:+,.2f}, hash {c.content_hash}"
        )

    def do_submit(self, user: Actor, o: dict[str, Any]) -> None:
        c = services.change_order_submit(change_order_id=o["change_order_id"], actor=user)
        self.stdout.write(f"{c.code}: {c.get_status_display()}")

    def do_sweep(self, user: None, o: dict[str, Any]) -> None:
        self.stdout.write(f"expired change orders: {services.change_orders_expire()}")
