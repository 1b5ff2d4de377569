from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from psdesk.accounts.personas import PERSONAS
from psdesk.accounts.roles import ROLE_LABELS
from psdesk.core.demo import DemoContext, demo_modules


class Command(BaseCommand):
    help = "Load the deterministic demo data set (idempotent: skipped when already loaded) and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("PSDESK_DEMO_PASSWORD", "psdesk"),
            help="password of every demo login (default: $PSDESK_DEMO_PASSWORD or psdesk)",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing (no progress, no logins)")

    def handle(self, *args: Any, **opts: Any) -> None:
        account_model = apps.get_model("crm", "Account")
        ctx = DemoContext(password=opts["password"])
        if account_model.objects.filter(name="Acme Corp").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                for app, module in demo_modules():
                    loader = getattr(module, "load", None)
                    if loader:
                        loader(ctx)
                        if not opts["quiet"]:
                            self.stdout.write(f"  loaded {app}")
        if not opts["quiet"]:
            self.stdout.write(f"\nDemo logins (password: {ctx.password}):")
            for p in PERSONAS:
                roles = ", ".join(ROLE_LABELS[r] for r in p.roles) or "outsider (no role)"
                self.stdout.write(f"  {p.username:<8} {roles}")
