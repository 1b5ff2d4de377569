from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` recomputes the hash chain and reports tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_verify())
        if problems:
            for p in problems:
                self.stderr.write(f"row {p.seq}: {p.problem}")
            raise CommandError(f"audit chain is BROKEN: {len(problems)} problem(s)")
        from psdesk.audit.models import AuditEvent

        self.stdout.write(f"audit chain OK: {AuditEvent.objects.count()} rows verified")
