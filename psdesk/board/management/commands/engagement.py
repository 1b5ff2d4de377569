from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.board.selectors import BoardFilters, engagement_list
from psdesk.board.services import engagement_transition
from psdesk.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Engagements from the command line, as a given user (PubSec rules apply).\n"
        "  psdesk engagement list --as erin [--state open]\n"
        "  psdesk engagement move 12 triage --as erin [--reason '...'] [--expected-version 3]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        ls = sub.add_parser("list")
        ls.add_argument("--as", dest="as_user", required=True)
        ls.add_argument("--state", default="")
        ls.add_argument("--limit", type=int, default=50)
        mv = sub.add_parser("move")
        mv.add_argument("engagement_id", type=int)
        mv.add_argument("action")
        mv.add_argument("--as", dest="as_user", required=True)
        mv.add_argument("--reason", default="")
        mv.add_argument("--expected-version", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {opts['as_user']!r}")
        if opts["sub"] == "list":
            if not user.has_perm("engagements.view_engagement"):
                raise CommandError(f"{user.username} may not view engagements")
            qs = engagement_list(user=user, filters=BoardFilters()).for_board()
            if opts["state"]:
                qs = qs.filter(state=opts["state"])
            for eng in qs.order_by("state_changed_at", "id")[: max(1, min(opts["limit"], 1000))]:
                em = eng.em.username if eng.em else "-"
                self.stdout.write(f"{eng.pk:>6}  {eng.state:<20} v{eng.version:<3} {em:<8} {eng.title}")
            return
        try:
            applied = engagement_transition(
                engagement_id=opts["engagement_id"],
                action=opts["action"],
                actor=user,
                reason=opts["reason"],
                expected_version=opts["expected_version"],
            )
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None
        self.stdout.write(f"engagement {opts['engagement_id']}: {applied.source} → {applied.target}")
