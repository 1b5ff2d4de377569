from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.board.selectors import BoardFilters, engagement_list
from psdesk.board.services import engagement_transition
from psdesk.core.types import Actor


class Command(ActorCommand):
    help = "Engagements (board cards) from the command line, as a given user (PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        ls = add("list", "List the engagements you may see, oldest in column first.")
        ls.add_argument("--state", default="", help="only this state, e.g. open or proposal::SOW_WIP's key")
        ls.add_argument("--limit", type=int, default=50, help="at most this many rows (1 to 1000, default 50)")
        mv = add("move", "Apply a workflow move (e.g. triage) to an engagement.")
        mv.add_argument("engagement_id", type=int, help="the engagement's id")
        mv.add_argument("action", help="the move's action key, e.g. triage (see the card drawer or the API)")
        mv.add_argument("--reason", default="", help="why (required by some moves)")
        mv.add_argument("--expected-version", type=int, default=None, help="refuse if the card changed since")

    def do_list(self, user: Actor, o: dict[str, Any]) -> None:
        if not user.has_perm("engagements.view_engagement"):
            raise CommandError(f"{user.username} may not view engagements")
        qs = engagement_list(user=user, filters=BoardFilters()).for_board()
        if o["state"]:
            qs = qs.filter(state=o["state"])
        for eng in qs.order_by("state_changed_at", "id")[: max(1, min(o["limit"], 1000))]:
            em = eng.em.username if eng.em else "-"
            self.stdout.write(f"{eng.pk:>6}  {eng.state:<20} v{eng.version:<3} {em:<8} {eng.title}")

    def do_move(self, user: Actor, o: dict[str, Any]) -> None:
        applied = engagement_transition(
            engagement_id=o["engagement_id"],
            action=o["action"],
            actor=user,
            reason=o["reason"],
            expected_version=o["expected_version"],
        )
        self.stdout.write(f"engagement {o['engagement_id']}: {applied.source} → {applied.target}")
