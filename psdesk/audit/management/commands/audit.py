from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.audit.models import AuditEvent
from psdesk.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools: `audit verify` recomputes the hash chain and reports tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="subcommands", metavar="SUBCOMMAND")
        sub.add_parser("verify", help="Recompute the hash chain and report every row that does not match.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_verify())
        if problems:
            for p in problems:
                self.stderr.write(f"row {p.seq}: {p.problem}")
            raise CommandError(f"audit chain is BROKEN: {len(problems)} problem(s)")
        self.stdout.write(f"audit chain OK: {AuditEvent.objects.count()} rows verified")
