from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.training import selectors, services
from psdesk.training.choices import SessionStatus


class Command(BaseCommand):
    help = (
        "Training requests, sessions and registrations, as a given user (PubSec rules apply).\n"
        "  psdesk training requests --as paula [--status planning]\n"
        "  psdesk training move 12 start_planning --as paula [--reason '...']\n"
        "  psdesk training schedule 12 --as paula --session 4 [--reason '...']          (audit request)\n"
        "  psdesk training schedule 12 --as paula --course 3 --start 2027-01-11T09:00 --end 2027-01-11T17:00\n"
        "       --tz Europe/Berlin [--instructor 5]                                      (trainer request)\n"
        "  psdesk training sessions --as tom\n"
        "  psdesk training register 4 --as paula [--user tom]\n"
        "  psdesk training cancel-registration 9 --as tom\n"
        "  psdesk training roster 4 --as paula        (CSV, after delivery)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        for name in ("requests", "sessions"):
            p = sub.add_parser(name)
            p.add_argument("--as", dest="as_user", required=True)
            p.add_argument("--status", default="")
            p.add_argument("--limit", type=int, default=50)
        mv = sub.add_parser("move")
        mv.add_argument("request_id", type=int)
        mv.add_argument("action")
        mv.add_argument("--as", dest="as_user", required=True)
        mv.add_argument("--reason", default="")
        sc = sub.add_parser("schedule")
        sc.add_argument("request_id", type=int)
        sc.add_argument("--as", dest="as_user", required=True)
        sc.add_argument("--session", type=int, default=None)
        sc.add_argument("--course", type=int, default=None)
        sc.add_argument("--start", default="")
        sc.add_argument("--end", default="")
        sc.add_argument("--tz", default="UTC")
        sc.add_argument("--instructor", type=int, default=None)
        sc.add_argument("--reason", default="")
        rg = sub.add_parser("register")
        rg.add_argument("session_id", type=int)
        rg.add_argument("--as", dest="as_user", required=True)
        rg.add_argument("--user", default="")
        cr = sub.add_parser("cancel-registration")
        cr.add_argument("registration_id", type=int)
        cr.add_argument("--as", dest="as_user", required=True)
        cr.add_argument("--reason", default="")
        ro = sub.add_parser("roster")
        ro.add_argument("session_id", type=int)
        ro.add_argument("--as", dest="as_user", required=True)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user

    def handle(self, *args: Any, **opts: Any) -> None:
        user = self._user(opts["as_user"])
        try:
            self._run(user, opts)
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None

    def _run(self, user: User, opts: dict[str, Any]) -> None:
        sub = opts["sub"]
        if sub in ("requests", "sessions") and not user.has_perm("training.view_session"):
            raise CommandError(f"{user.username} may not view training")
        limit = max(1, min(opts.get("limit") or 50, 1000))
        if sub == "requests":
            for r in selectors.request_list(user=user, status=opts["status"])[:limit]:
                courses = ",".join(c.code for c in r.courses.all())
                self.stdout.write(
                    f"{r.pk:>6}  {r.kind:<8} {r.status:<15} v{r.version:<3} {r.requester.username:<10} {courses}"
                )
        elif sub == "sessions":
            for s in selectors.session_list(user=user)[:limit]:
                self.stdout.write(
                    f"{s.pk:>6}  {s.starts_at:%Y-%m-%d %H:%M}Z {s.audience:<8} {s.status:<9} "
                    f"{s.seats_taken}/{s.capacity} {s}"
                )
        elif sub == "move":
            applied = services.request_transition(
                request_id=opts["request_id"], action=opts["action"], actor=user, reason=opts["reason"]
            )
            self.stdout.write(f"request {opts['request_id']}: {applied.source} → {applied.target}")
        elif sub == "schedule":
            plans = []
            if opts["course"] is not None:
                try:
                    zone = ZoneInfo(opts["tz"])
                    start = datetime.fromisoformat(opts["start"]).replace(tzinfo=zone)
                    end = datetime.fromisoformat(opts["end"]).replace(tzinfo=zone)
                except (ValueError, KeyError) as exc:
                    raise CommandError(f"bad --start/--end/--tz: {exc}") from None
                plans.append(
                    services.SessionPlan(
                        course_id=opts["course"],
                        starts_at=start,
                        ends_at=end,
                        timezone=opts["tz"],
                        instructor_id=opts["instructor"],
                    )
                )
            result = services.request_schedule(
                request_id=opts["request_id"],
                actor=user,
                plans=plans,
                session_id=opts["session"],
                reason=opts["reason"],
            )
            state = "waitlisted (stays in planning)" if result.waitlisted else "scheduled"
            self.stdout.write(f"request {opts['request_id']}: {state}; sessions {[s.pk for s in result.sessions]}")
        elif sub == "register":
            target = self._user(opts["user"]) if opts["user"] else user
            reg = services.registration_create(session_id=opts["session_id"], user=target, actor=user)
            self.stdout.write(f"registration {reg.pk}: {target.username} {reg.status}")
        elif sub == "cancel-registration":
            reg = services.registration_cancel(
                registration_id=opts["registration_id"], actor=user, reason=opts["reason"]
            )
            self.stdout.write(f"registration {reg.pk}: {reg.status}")
        elif sub == "roster":
            if not user.has_perm("training.plan_training"):
                raise CommandError(f"{user.username} may not export rosters")
            s = selectors.session_get(user=user, session_id=opts["session_id"])
            if s.status != SessionStatus.DELIVERED:
                raise CommandError("409 not_delivered: the roster is exported after delivery")
            self.stdout.write(selectors.roster_csv(s), ending="")
