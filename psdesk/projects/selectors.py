"""Reads on delivery projects: lists, detail, the welcome SLA, and the on-time dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.projects.models import Project, ProjectsPolicy
from psdesk.sla.choices import TimerOutcome
from psdesk.sla.models import SlaTimer
from psdesk.sla.selectors import TimerView, timers_for_target


def project_list(*, user: Actor, status: str = "", mine: bool = False) -> Any:
    qs = Project.objects.visible_to(user).select_related("account", "coordinator", "opportunity")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(coordinator=user)
    return qs


def project_get(*, user: Actor, project_id: int) -> Project:
    project = (
        Project.objects.visible_to(user)
        .select_related("account", "coordinator", "opportunity", "calendar")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def welcome_timer(project: Project) -> TimerView | None:
    """The welcome-email SLA timer of the project (running or finished), with business time left."""
    key = (ProjectsPolicy.objects.values_list("welcome_policy_key", flat=True).first()) or "welcome_email"
    for view in timers_for_target(project, include_stopped=True):
        if view.policy_key == key:
            return view
    return None


@dataclass
class OnTimeRow:
    label: str
    met: int
    missed: int

    @property
    def total(self) -> int:
        return self.met + self.missed

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


def welcome_on_time(*, user: Actor) -> tuple[list[OnTimeRow], list[OnTimeRow]]:
    """On-time percentage of welcome emails per booking month and per coordinator (finished timers)."""
    from django.contrib.contenttypes.models import ContentType

    key = (ProjectsPolicy.objects.values_list("welcome_policy_key", flat=True).first()) or "welcome_email"
    ct = ContentType.objects.get_for_model(Project)
    timers = SlaTimer.objects.filter(
        policy__key=key, target_type=ct, outcome__in=[TimerOutcome.MET, TimerOutcome.MISSED]
    ).values_list("target_id", "started_at", "outcome")
    coordinators = dict(Project.objects.visible_to(user).values_list("pk", "coordinator__username"))
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    people: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for target_id, started_at, outcome in timers:
        if target_id not in coordinators:
            continue
        i = 0 if outcome == TimerOutcome.MET else 1
        months[started_at.strftime("%Y-%m")][i] += 1
        people[coordinators[target_id] or "unassigned"][i] += 1
    return (
        [OnTimeRow(k, *v) for k, v in sorted(months.items())],
        [OnTimeRow(k, *v) for k, v in sorted(people.items())],
    )


def backlog_suggested(project: Project, *, now: Any = None) -> bool:
    """Still In Set Up longer than the policy's days after booking: the customer is not ready, so
    the coordinator should consider Backlog (ps-process §3.8)."""
    from datetime import timedelta

    from psdesk.core import clock
    from psdesk.projects.choices import ProjectStatus

    if project.status != ProjectStatus.IN_SET_UP or project.booked_at is None:
        return False
    days = ProjectsPolicy.objects.values_list("backlog_after_days", flat=True).first() or 30
    return (now or clock.now()) - project.booked_at > timedelta(days=days)
