"""Quotes from the command line (`--as USER` applies that user's permissions and PubSec visibility):

psdesk quotes list [--opportunity ID] --as USER
psdesk quotes show ID --as USER
psdesk quotes pdf ID FILE --as USER
psdesk quotes move ID ACTION --as USER [--signer N --signed-on YYYY-MM-DD --po P --reason R]
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.core.types import Actor
from psdesk.quotes.documents import order_form_pdf
from psdesk.quotes.selectors import quote_get, quote_list
from psdesk.quotes.services import quote_transition


class Command(BaseCommand):
    help = "Standard-SKU quotes: list, show, render the order form PDF, move (send / mark_signed / cancel)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        ls = sub.add_parser("list")
        ls.add_argument("--opportunity", type=int, default=None)
        sh = sub.add_parser("show")
        sh.add_argument("quote_id", type=int)
        pdf = sub.add_parser("pdf")
        pdf.add_argument("quote_id", type=int)
        pdf.add_argument("file")
        mv = sub.add_parser("move")
        mv.add_argument("quote_id", type=int)
        mv.add_argument("action", help="send | revise | mark_signed | cancel")
        mv.add_argument("--signer", default="")
        mv.add_argument("--signed-on", default="")
        mv.add_argument("--po", default="")
        mv.add_argument("--reason", default="")
        for p in (ls, sh, pdf, mv):
            p.add_argument("--as", dest="as_user", required=True, help="username whose permissions apply")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["as_user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['as_user']}")
        try:
            getattr(self, f"_{opts['sub']}")(user, opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _list(self, user: Actor, opts: dict[str, Any]) -> None:
        for q in quote_list(user=user, opportunity_id=opts["opportunity"]):
            primary = "primary" if q.is_primary else ""
            self.stdout.write(f"{q.pk:>6}  {q.number}  {q.state:<9} {primary:<7} {q.opportunity.name}")

    def _show(self, user: Actor, opts: dict[str, Any]) -> None:
        q = quote_get(user=user, quote_id=opts["quote_id"])
        totals = q.totals()
        self.stdout.write(f"{q.number} ({q.get_state_display()}) on {q.opportunity.name}")
        for li, a in zip(q.lines.all(), totals.lines, strict=True):
            self.stdout.write(
                f"  {li.sku.code:<16} {li.quantity:>4} x {li.unit_price:>10}"
                f"  -{li.discount_pct}%  {a.after_line_discount:>12}"
            )
        self.stdout.write(f"  quote discount {q.discount_pct}%  total {q.currency} {totals.total}")

    def _pdf(self, user: Actor, opts: dict[str, Any]) -> None:
        q = quote_get(user=user, quote_id=opts["quote_id"])
        Path(opts["file"]).write_bytes(order_form_pdf(q))
        self.stdout.write(f"wrote {opts['file']}")

    def _move(self, user: Actor, opts: dict[str, Any]) -> None:
        signed_on = None
        if opts["signed_on"]:
            try:
                signed_on = datetime.date.fromisoformat(opts["signed_on"])
            except ValueError:
                raise CommandError("--signed-on must be YYYY-MM-DD") from None
        applied = quote_transition(
            quote_id=opts["quote_id"],
            action=opts["action"],
            actor=user,
            reason=opts["reason"],
            signer_name=opts["signer"],
            signed_on=signed_on,
            po_number=opts["po"],
        )
        self.stdout.write(f"{applied.obj.number}: {applied.source} → {applied.target}")
