"""The requestor tasks of a training request as a checklist (pure: reads attributes only).

The tasks ask for the fields a request needs before planning (docs/process.md, Training).
A task is done when the request carries what it asks for, so the checklist can never disagree with
the data; the requester then marks the tasks complete (workflow move `complete_tasks`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    done: bool


def sessions_needed(audience_size: int, class_size: int) -> int:
    """How many sessions an audience needs at `class_size` seats each."""
    return max(1, ceil(audience_size / max(1, class_size)))


def trainer_tasks(
    *,
    team: str,
    cost_centre: str,
    course_class_sizes: Sequence[int],
    audience_size: int,
    split_sessions: bool,
    has_dates: bool,
    timezone: str,
    delivery_mode: str,
    location: str,
    justification: str,
) -> list[Task]:
    fits = bool(course_class_sizes) and (split_sessions or all(audience_size <= c for c in course_class_sizes))
    return [
        Task("team", "Team and cost centre", bool(team.strip() and cost_centre.strip())),
        Task("courses", "Course(s) chosen", bool(course_class_sizes)),
        Task("audience", "Audience size within the class size (or split into sessions)", fits),
        Task("dates", "Preferred dates and timezone", has_dates and bool(timezone)),
        Task(
            "delivery", "Delivery mode (and location when onsite)", delivery_mode == "remote" or bool(location.strip())
        ),
        Task("justification", "Business justification", bool(justification.strip())),
    ]


def audit_tasks(*, has_course: bool, has_session_or_dates: bool, manager_decision: str) -> list[Task]:
    return [
        Task("course", "Course chosen", has_course),
        Task("session", "Desired session or date range", has_session_or_dates),
        Task("manager", "Manager approval", manager_decision == "approved"),
    ]


def missing(tasks: Sequence[Task]) -> list[str]:
    return [t.label for t in tasks if not t.done]
