"""`psdesk quotes <subcommand> --as <user>`: the user's permissions and PubSec visibility apply."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.types import Actor
from psdesk.quotes.documents import order_form_pdf
from psdesk.quotes.selectors import quote_get, quote_list
from psdesk.quotes.services import quote_transition


class Command(ActorCommand):
    help = "Standard-SKU quotes: list, show, render the order form PDF, move (send / mark_signed / cancel)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        ls = add("list", "List the quotes you may see.")
        ls.add_argument("--opportunity", type=int, default=None, help="only the quotes of this opportunity id")
        sh = add("show", "Show a quote's lines, discounts and total.")
        sh.add_argument("quote_id", type=int, help="the quote's id")
        pdf = add("pdf", "Write a quote's order form PDF to a file.")
        pdf.add_argument("quote_id", type=int, help="the quote's id")
        pdf.add_argument("file", help="the PDF file to write")
        mv = add("move", "Apply a workflow move (send, revise, mark_signed, cancel) to a quote.")
        mv.add_argument("quote_id", type=int, help="the quote's id")
        mv.add_argument("action", help="send | revise | mark_signed | cancel")
        mv.add_argument("--signer", default="", help="mark_signed: the customer's signer")
        mv.add_argument("--signed-on", default="", help="mark_signed: the signature date, YYYY-MM-DD")
        mv.add_argument("--po", default="", help="mark_signed: the customer's PO number")
        mv.add_argument("--reason", default="", help="why (required by some moves)")

    def do_list(self, user: Actor, o: dict[str, Any]) -> None:
        for q in quote_list(user=user, opportunity_id=o["opportunity"]):
            primary = "primary" if q.is_primary else ""
            self.stdout.write(f"{q.pk:>6}  {q.number}  {q.state:<9} {primary:<7} {q.opportunity.name}")

    def do_show(self, user: Actor, o: dict[str, Any]) -> None:
        q = quote_get(user=user, quote_id=o["quote_id"])
        totals = q.totals()
        self.stdout.write(f"{q.number} ({q.get_state_display()}) on {q.opportunity.name}")
        for li, a in zip(q.lines.all(), totals.lines, strict=True):
            self.stdout.write(
                f"  {li.sku.code:<16} {li.quantity:>4} x {li.unit_price:>10}"
                f"  -{li.discount_pct}%  {a.after_line_discount:>12}"
            )
        self.stdout.write(f"  quote discount {q.discount_pct}%  total {q.currency} {totals.total}")

    def do_pdf(self, user: Actor, o: dict[str, Any]) -> None:
        q = quote_get(user=user, quote_id=o["quote_id"])
        Path(o["file"]).write_bytes(order_form_pdf(q))
        self.stdout.write(f"wrote {o['file']}")

    def do_move(self, user: Actor, o: dict[str, Any]) -> None:
        signed_on = None
        if o["signed_on"]:
            try:
                signed_on = datetime.date.fromisoformat(o["signed_on"])
            except ValueError:
                raise CommandError("--signed-on must be YYYY-MM-DD") from None
        applied = quote_transition(
            quote_id=o["quote_id"],
            action=o["action"],
            actor=user,
            reason=o["reason"],
            signer_name=o["signer"],
            signed_on=signed_on,
            po_number=o["po"],
        )
        self.stdout.write(f"{applied.obj.number}: {applied.source} → {applied.target}")
