"""`manage.py sla sweep` — mark at-risk and breached timers and notify (idempotent).
`manage.py sla seed` — create the default calendar and presales policies if missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "SLA timers: `sweep` (mark at-risk/breached and notify) or `seed` (default policies)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sweep", "seed"])
        parser.add_argument("--no-notify", action="store_true", help="mark only, do not notify")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seed":
            from psdesk.sla.defaults import defaults_seed

            created = defaults_seed()
            self.stdout.write(f"seeded {created} policies/calendars")
            return
        from psdesk.sla.services import sla_sweep

        result = sla_sweep(notify=not options["no_notify"])
        self.stdout.write(f"at risk: {result.at_risk}  breached: {result.breached}  notified: {result.notified}")
