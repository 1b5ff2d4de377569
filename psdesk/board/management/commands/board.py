"""`psdesk board <subcommand>`: board housekeeping."""

from __future__ import annotations

from typing import Any

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.board.closed_lost_suggestions import closed_lost_suggestions_sweep


class Command(ActorCommand):
    help = "Board housekeeping."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        add(
            "sweep-stale", "Suggest Closed Lost for cards idle longer than the board policy (run daily).", as_user=False
        )

    def do_sweep_stale(self, user: None, o: dict[str, Any]) -> None:
        self.stdout.write(f"{closed_lost_suggestions_sweep()} Closed Lost suggestion(s) made")
