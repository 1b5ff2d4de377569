"""`psdesk crm opportunities [--stage S] [--as USER]` · `psdesk crm move OPP_ID ACTION --as USER [--reason R]`
· `psdesk crm history OPP_ID --as USER`. PubSec records are invisible unless --as is a PubSec member."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.core.types import Actor
from psdesk.crm.selectors import OpportunityFilters, opportunity_get, opportunity_list, opportunity_stage_history
from psdesk.crm.services import opportunity_transition


class Command(BaseCommand):
    help = "Built-in CRM: list opportunities, move a stage, show stage history."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        ls = sub.add_parser("opportunities", help="list opportunities")
        ls.add_argument("--stage", default="")
        ls.add_argument("--as", dest="as_user", required=True, help="username whose visibility applies")
        mv = sub.add_parser("move", help="apply a stage move (forward_to_<stage>, back_to_<stage>, close_won, ...)")
        mv.add_argument("opportunity_id", type=int)
        mv.add_argument("action")
        mv.add_argument("--as", dest="as_user", required=True)
        mv.add_argument("--reason", default="")
        hi = sub.add_parser("history", help="stage history from the audit log")
        hi.add_argument("opportunity_id", type=int)
        hi.add_argument("--as", dest="as_user", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["as_user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['as_user']}")
        try:
            getattr(self, f"_{opts['sub']}")(user, opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _opportunities(self, user: Actor, opts: dict[str, Any]) -> None:
        for o in opportunity_list(user=user, filters=OpportunityFilters(stage=opts["stage"])):
            self.stdout.write(f"{o.pk:>6}  {o.get_stage_display():<24} {o.currency} {o.amount:>12}  {o.name}")

    def _move(self, user: Actor, opts: dict[str, Any]) -> None:
        applied = opportunity_transition(
            opportunity_id=opts["opportunity_id"], action=opts["action"], actor=user, reason=opts["reason"]
        )
        self.stdout.write(f"{applied.obj.name}: {applied.source} → {applied.target}")

    def _history(self, user: Actor, opts: dict[str, Any]) -> None:
        opp = opportunity_get(user=user, opportunity_id=opts["opportunity_id"])
        for h in opportunity_stage_history(opportunity=opp):
            reason = f" ({h.reason})" if h.reason else ""
            self.stdout.write(f"{h.at:%Y-%m-%d %H:%M}  {h.actor:<10} {h.source} → {h.target}{reason}")
