"""The weekly timesheet: a consultant submits a week of one project, its project manager approves
it (entries locked) or returns it with a reason (editable again)."""

from __future__ import annotations

from typing import Any

from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.timesheets.choices import WeekStatus

W = WeekStatus


def week_owner_refusal(week: Any, ctx: MoveContext) -> str | None:
    """Only the consultant whose week it is submits it."""
    if ctx.actor is None or week.consultant.user_id != ctx.actor.pk:
        return f"Only {week.consultant.name} submits this week."
    return None


def week_has_hours_refusal(week: Any, ctx: MoveContext) -> str | None:
    if not week.entries.exists():
        return "Log hours on this project's tasks before submitting the week."
    return None


def week_manager_refusal(week: Any, ctx: MoveContext) -> str | None:
    """The project's manager (its coordinator) decides, or PS Ops as backup; never one's own time."""
    actor = ctx.actor
    if actor is None:
        return "Only the project's manager decides a week."
    if week.consultant.user_id == actor.pk:
        return "You may not approve or return your own time."
    pm = week.project.coordinator
    if pm is not None and pm.pk != actor.pk and not actor.has_perm("timesheets.approve_any_timesheet"):
        return f"Only the project's manager ({pm.get_full_name() or pm.get_username()}) decides this week."
    return None


WEEK_WORKFLOW = Workflow(
    "timesheets",
    doc="timesheet_week",
    title="Timesheet week",
    field="status",
    states=W.choices,
    moves=[
        Move(
            action="submit",
            sources=frozenset({W.OPEN, W.RETURNED}),
            target=W.SUBMITTED,
            label="Submit for approval",
            permission="timesheets.log_time",
            guards=[week_owner_refusal, week_has_hours_refusal],
        ),
        Move(
            action="approve",
            sources=frozenset({W.SUBMITTED}),
            target=W.APPROVED,
            label="Approve",
            permission="timesheets.approve_timesheet",
            guards=[week_manager_refusal],
        ),
        Move(
            action="return",
            sources=frozenset({W.SUBMITTED}),
            target=W.RETURNED,
            label="Return for correction",
            permission="timesheets.approve_timesheet",
            needs_reason=True,
            guards=[week_manager_refusal],
        ),
    ],
)
