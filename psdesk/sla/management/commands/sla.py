"""`manage.py sla sweep` — mark at-risk and breached timers and notify (idempotent).
`manage.py sla seed` — create the default calendar and presales policies if missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from psdesk.sla.defaults import defaults_seed
from psdesk.sla.services import sla_sweep


class Command(BaseCommand):
    help = "SLA timers: mark at-risk and breached timers (sweep) or create the default policies (seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="subcommands", metavar="SUBCOMMAND")
        sweep = sub.add_parser("sweep", help="Mark at-risk and breached timers and notify once (idempotent).")
        sweep.add_argument("--no-notify", action="store_true", help="mark only, do not notify")
        sub.add_parser("seed", help="Create the default calendar and presales policies that are missing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seed":
            created = defaults_seed()
            self.stdout.write(f"seeded {created} policies/calendars")
            return
        result = sla_sweep(notify=not options["no_notify"])
        self.stdout.write(f"at risk: {result.at_risk}  breached: {result.breached}  notified: {result.notified}")
