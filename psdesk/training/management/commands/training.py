"""`psdesk training <subcommand> --as <user>`: requests, sessions and registrations (PubSec rules apply)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder, actor_get
from psdesk.core.types import Actor
from psdesk.training import selectors, services
from psdesk.training.choices import SessionStatus


def _limit(o: dict[str, Any]) -> int:
    return max(1, min(o.get("limit") or 50, 1000))


class Command(ActorCommand):
    help = "Training requests, sessions and registrations, as a given user (PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        rq = add("requests", "List the training requests you may see.")
        rq.add_argument("--status", default="", help="only requests in this status, e.g. planning")
        rq.add_argument("--limit", type=int, default=50, help="at most this many rows (1 to 1000, default 50)")
        ss = add("sessions", "List the training sessions you may see.")
        ss.add_argument("--limit", type=int, default=50, help="at most this many rows (1 to 1000, default 50)")
        mv = add("move", "Apply a workflow move (e.g. start_planning) to a request.")
        mv.add_argument("request_id", type=int, help="the request's id")
        mv.add_argument("action", help="the move's action key: complete_tasks, start_planning, deliver, close, …")
        mv.add_argument("--reason", default="", help="why (required to cancel)")
        sc = add("schedule", "Schedule a request in planning: a seat for an audit request, sessions for a trainer one.")
        sc.add_argument("request_id", type=int, help="the request's id")
        sc.add_argument("--session", type=int, default=None, help="audit request: the session's id (default: desired)")
        sc.add_argument(
            "--course", type=int, default=None, help="trainer request: the course (SKU id) of a new session"
        )
        sc.add_argument("--start", default="", help="new session start, local time YYYY-MM-DDTHH:MM in --tz")
        sc.add_argument("--end", default="", help="new session end, local time YYYY-MM-DDTHH:MM in --tz")
        sc.add_argument("--tz", default="UTC", help="IANA timezone of --start/--end (default UTC)")
        sc.add_argument("--instructor", type=int, default=None, help="consultant id (default: a free certified one)")
        sc.add_argument("--reason", default="", help="why, when links go out later than the policy lead time")
        rg = add("register", "Register yourself (or, as a coordinator, --user) in a session.")
        rg.add_argument("session_id", type=int, help="the session's id")
        rg.add_argument("--user", default="", help="register this username instead of yourself")
        cr = add("cancel-registration", "Cancel a registration (the first on the waitlist takes the seat).")
        cr.add_argument("registration_id", type=int, help="the registration's id")
        cr.add_argument("--reason", default="", help="why (recorded in the audit log)")
        ro = add("roster", "Print a delivered session's attendance roster as CSV.")
        ro.add_argument("session_id", type=int, help="the session's id")

    def _may_view(self, user: Actor) -> None:
        if not user.has_perm("training.view_session"):
            raise CommandError(f"{user.username} may not view training")

    def do_requests(self, user: Actor, o: dict[str, Any]) -> None:
        self._may_view(user)
        for r in selectors.request_list(user=user, status=o["status"])[: _limit(o)]:
            courses = ",".join(c.code for c in r.courses.all())
            self.stdout.write(
                f"{r.pk:>6}  {r.kind:<8} {r.status:<15} v{r.version:<3} {r.requester.username:<10} {courses}"
            )

    def do_sessions(self, user: Actor, o: dict[str, Any]) -> None:
        self._may_view(user)
        for s in selectors.session_list(user=user)[: _limit(o)]:
            seats = f"{s.seats_taken}/{s.capacity}"
            self.stdout.write(f"{s.pk:>6}  {s.starts_at:%Y-%m-%d %H:%M}Z {s.audience:<8} {s.status:<9} {seats} {s}")

    def do_move(self, user: Actor, o: dict[str, Any]) -> None:
        applied = services.request_transition(
            request_id=o["request_id"], action=o["action"], actor=user, reason=o["reason"]
        )
        self.stdout.write(f"request {o['request_id']}: {applied.source} → {applied.target}")

    def do_schedule(self, user: Actor, o: dict[str, Any]) -> None:
        plans = []
        if o["course"] is not None:
            try:
                zone = ZoneInfo(o["tz"])
                start = datetime.fromisoformat(o["start"]).replace(tzinfo=zone)
                end = datetime.fromisoformat(o["end"]).replace(tzinfo=zone)
            except (ValueError, KeyError) as exc:
                raise CommandError(f"bad --start/--end/--tz: {exc}") from None
            plans.append(
                services.SessionPlan(
                    course_id=o["course"], starts_at=start, ends_at=end, timezone=o["tz"], instructor_id=o["instructor"]
                )
            )
        result = services.request_schedule(
            request_id=o["request_id"], actor=user, plans=plans, session_id=o["session"], reason=o["reason"]
        )
        state = "waitlisted (stays in planning)" if result.waitlisted else "scheduled"
        self.stdout.write(f"request {o['request_id']}: {state}; sessions {[s.pk for s in result.sessions]}")

    def do_register(self, user: Actor, o: dict[str, Any]) -> None:
        target = actor_get(o["user"]) if o["user"] else user
        reg = services.registration_create(session_id=o["session_id"], user=target, actor=user)
        self.stdout.write(f"registration {reg.pk}: {target.username} {reg.status}")

    def do_cancel_registration(self, user: Actor, o: dict[str, Any]) -> None:
        reg = services.registration_cancel(registration_id=o["registration_id"], actor=user, reason=o["reason"])
        self.stdout.write(f"registration {reg.pk}: {reg.status}")

    def do_roster(self, user: Actor, o: dict[str, Any]) -> None:
        if not user.has_perm("training.plan_training"):
            raise CommandError(f"{user.username} may not export rosters")
        s = selectors.session_get(user=user, session_id=o["session_id"])
        if s.status != SessionStatus.DELIVERED:
            raise CommandError("409 not_delivered: the roster is exported after delivery")
        self.stdout.write(selectors.roster_csv(s), ending="")
