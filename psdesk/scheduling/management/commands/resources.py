"""`manage.py resources <subcommand>` (also `psdesk resources`): the resource directory and time off
from the command line. See docs/howto/scheduling.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.scheduling import selectors, services


class Command(ActorCommand):
    help = "The resource directory: list consultants, ask for time off, approve or refuse it."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        ls = add("list", "List active consultants with their skills (clearance only where your role may see it).")
        ls.add_argument("--role", default="", help="only this role, e.g. PSE")
        ls.add_argument("--skill", default="", help="only consultants holding this skill")
        ls.add_argument("--min-level", type=int, default=1, help="with --skill: at this level or above (1-5)")
        ask = add("request-time-off", "Ask for your own time off (waits for the Project Coordinator).")
        ask.add_argument("starts_on", type=date.fromisoformat, help="first day off, YYYY-MM-DD")
        ask.add_argument("ends_on", type=date.fromisoformat, help="last day off, YYYY-MM-DD")
        ask.add_argument("--reason", default="", help="a short reason shown to the coordinator")
        add("time-off", "List time-off requests waiting for a decision.")
        approve = add("approve", "Approve a time-off request (the consultant is told).")
        approve.add_argument("time_off_id", type=int, help="the request's id (from `time-off`)")
        refuse = add("refuse", "Refuse a time-off request with a reason (the consultant is told).")
        refuse.add_argument("time_off_id", type=int, help="the request's id (from `time-off`)")
        refuse.add_argument("--reason", required=True, help="why it is refused")

    def do_list(self, user: Actor, o: dict[str, Any]) -> None:
        permission_require(user, "scheduling.view_consultant")
        show_clearance = selectors.clearance_visible(user=user)
        qs = selectors.consultant_list(user=user, role=o["role"], skill=o["skill"], min_level=o["min_level"])
        for c in qs[:500]:
            skills = ", ".join(f"{s.skill.name} {s.level}" for s in c.skills.all())
            cleared = (" cleared" if c.pubsec_eligible else " not cleared") if show_clearance else ""
            self.stdout.write(
                f"{c.pk:>5}  {c.name:<28} {c.role:<8} {c.region:<5} {c.weekly_capacity_hours:>6} h{cleared}  {skills}"
            )
        self.stdout.write(f"{qs.count()} consultants.")

    def do_request_time_off(self, user: Actor, o: dict[str, Any]) -> None:
        c = selectors.consultant_for_user(user)
        if c is None:
            raise CommandError(f"No consultant record is linked to {user.get_username()}.")
        t = services.time_off_request(
            consultant=c, starts_on=o["starts_on"], ends_on=o["ends_on"], reason=o["reason"], actor=user
        )
        self.stdout.write(f"Time off {t.pk} requested: {t.starts_on} to {t.ends_on}; it waits for the coordinator.")

    def do_time_off(self, user: Actor, o: dict[str, Any]) -> None:
        permission_require(user, "scheduling.decide_timeoff")
        qs = selectors.time_off_requests_list()
        for t in qs[:500]:
            self.stdout.write(f"{t.pk:>5}  {t.consultant.name:<28} {t.starts_on} to {t.ends_on}  {t.reason}")
        self.stdout.write(f"{qs.count()} requests waiting.")

    def do_approve(self, user: Actor, o: dict[str, Any]) -> None:
        self._decide(user, o["time_off_id"], approve=True, reason="")

    def do_refuse(self, user: Actor, o: dict[str, Any]) -> None:
        self._decide(user, o["time_off_id"], approve=False, reason=o["reason"])

    def _decide(self, user: Actor, time_off_id: int, *, approve: bool, reason: str) -> None:
        t = services.time_off_decide(time_off_id=time_off_id, approve=approve, actor=user, reason=reason)
        self.stdout.write(f"Time off {t.pk} of {t.consultant.name} {t.status}.")
