from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.accounts.services import token_create


class Command(BaseCommand):
    help = "API tokens: `psdesk token create <username> [--name NAME]` prints a new bearer token once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="subcommands", metavar="SUBCOMMAND")
        create = sub.add_parser("create", help="Create a bearer token for a user and print it (shown only once).")
        create.add_argument("username", help="the active user the token acts as")
        create.add_argument("--name", default="cli", help="a label to tell tokens apart (default cli)")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {opts['username']!r}")
        self.stdout.write(token_create(user=user, name=opts["name"]))
