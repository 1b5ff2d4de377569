"""`psdesk crm <subcommand> --as <user>`: PubSec records are invisible unless the user is a PubSec member."""

from __future__ import annotations

from typing import Any

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.types import Actor
from psdesk.crm.selectors import OpportunityFilters, opportunity_get, opportunity_list, opportunity_stage_history
from psdesk.crm.services import opportunity_transition


class Command(ActorCommand):
    help = "Built-in CRM: list opportunities, move a stage, show stage history."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        ls = add("opportunities", "List the opportunities you may see.")
        ls.add_argument("--stage", default="", help="only opportunities in this stage (its key)")
        mv = add("move", "Apply a stage move (forward_to_<stage>, back_to_<stage>, close_won, …).")
        mv.add_argument("opportunity_id", type=int, help="the opportunity's id")
        mv.add_argument("action", help="the move's action key, e.g. close_won")
        mv.add_argument("--reason", default="", help="why (required by some moves)")
        hi = add("history", "Show an opportunity's stage history from the audit log.")
        hi.add_argument("opportunity_id", type=int, help="the opportunity's id")

    def do_opportunities(self, user: Actor, o: dict[str, Any]) -> None:
        for opp in opportunity_list(user=user, filters=OpportunityFilters(stage=o["stage"])):
            self.stdout.write(f"{opp.pk:>6}  {opp.get_stage_display():<24} {opp.currency} {opp.amount:>12}  {opp.name}")

    def do_move(self, user: Actor, o: dict[str, Any]) -> None:
        applied = opportunity_transition(
            opportunity_id=o["opportunity_id"], action=o["action"], actor=user, reason=o["reason"]
        )
        self.stdout.write(f"{applied.obj.name}: {applied.source} → {applied.target}")

    def do_history(self, user: Actor, o: dict[str, Any]) -> None:
        opp = opportunity_get(user=user, opportunity_id=o["opportunity_id"])
        for h in opportunity_stage_history(opportunity=opp):
            reason = f" ({h.reason})" if h.reason else ""
            self.stdout.write(f"{h.at:%Y-%m-%d %H:%M}  {h.actor:<10} {h.source} → {h.target}{reason}")
