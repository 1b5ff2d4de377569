"""`ActorCommand`: the base of every `psdesk <noun> <subcommand> --as <user>` command.

Each subcommand is declared with a one-line help; `--as` is added to each (unless the subcommand runs
as nobody) and resolved to an active user; a domain refusal becomes `CommandError` ("409 code: …").
Without a subcommand the command prints its help, which lists the subcommands.

    class Command(ActorCommand):
        help = "Engagements from the command line, as a given user (PubSec rules apply)."

        def add_subcommands(self, add: SubcommandAdder) -> None:
            p = add("move", "Apply a workflow move to an engagement.")
            p.add_argument("engagement_id", type=int, help="the engagement's id")

        def do_move(self, user: Actor, o: dict[str, Any]) -> None: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.core.types import Actor

SubcommandAdder = Callable[..., CommandParser]


class ActorCommand(BaseCommand):
    """Subcommands `do_<name>(user, options)` (dashes become underscores), each run as `--as <user>`.

    A subcommand declared with `as_user=False` is called as `do_<name>(None, options)`.
    """

    def add_subcommands(self, add: SubcommandAdder) -> None:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", title="subcommands", metavar="SUBCOMMAND")
        self._no_actor: set[str] = set()

        def add(name: str, help: str, *, as_user: bool = True) -> CommandParser:
            p: CommandParser = sub.add_parser(name, help=help, description=help)
            if as_user:
                p.add_argument("--as", dest="as_user", required=True, metavar="USER", help="act as this user")
            else:
                self._no_actor.add(name)
            return p

        self.add_subcommands(add)
        self._parser = parser

    def handle(self, *args: Any, **o: Any) -> None:
        name = o.get("sub")
        if not name:
            self._parser.print_help(self.stdout)  # OutputWrapper writes like a file
            return
        user = None if name in self._no_actor else actor_get(o["as_user"])
        try:
            getattr(self, "do_" + name.replace("-", "_"))(user, o)
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None


def actor_get(username: str) -> Actor:
    """The active user named `username`, or CommandError."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user
