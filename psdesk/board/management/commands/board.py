from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from psdesk.board.stale import stale_sweep


class Command(BaseCommand):
    help = "Board housekeeping. `board sweep-stale` suggests Closed Lost for cards idle past the policy (daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sweep-stale"])

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{stale_sweep()} Closed Lost suggestion(s) made")
