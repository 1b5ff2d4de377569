"""The training request lifecycle (docs/process.md, Training): requested → tasks complete → planning →
scheduled → delivered → closed; cancelled from any state before delivery. Applied only through
`psdesk.training.services.request_transition` (which calls `transition_apply`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psdesk.core import clock
from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.training.checklist import missing
from psdesk.training.choices import PRE_DELIVERY, RequestStatus
from psdesk.training.selectors import request_tasks

S = RequestStatus
PLAN = "training.plan_training"


def requester_or_coordinator_refusal(req: Any, ctx: MoveContext) -> str | None:
    """Requestor tasks are the requester's; a coordinator may complete them on their behalf."""
    actor = ctx.actor
    if ctx.system or (actor is not None and (actor.pk == req.requester_id or actor.has_perm(PLAN))):
        return None
    return "Only the requester (or a coordinator) may do this."


def requestor_tasks_done_refusal(req: Any, ctx: MoveContext) -> str | None:
    left = missing(request_tasks(req))
    if left:
        return "Requestor tasks are not complete: " + "; ".join(left) + "."
    return None


def registration_lead_time_refusal(req: Any, ctx: MoveContext) -> str | None:
    """Registration links go out at least `registration_lead_days` before the session (policy);
    scheduling later needs a reason."""
    starts = ctx.data.get("earliest_start")
    lead_days = int(ctx.data.get("lead_days", 14))
    if starts is None:
        return "Choose the session(s) first."
    if starts - clock.now() < timedelta(days=lead_days) and not ctx.reason.strip():
        days = (starts - clock.now()).days
        return (
            f"Registration links go out at least {lead_days} days before the session; "
            f"this session starts in {days} days. Give a reason to schedule it anyway."
        )
    return None


def sessions_ended_refusal(req: Any, ctx: MoveContext) -> str | None:
    sessions = list(req.sessions.exclude(status="cancelled"))
    if not sessions:
        return "The request has no session."
    late = [s for s in sessions if s.ends_at > clock.now()]
    if late:
        return f"The session on {late[0].starts_at:%Y-%m-%d} has not ended yet."
    return None


def cancel_allowed_refusal(req: Any, ctx: MoveContext) -> str | None:
    return requester_or_coordinator_refusal(req, ctx)


REQUEST_WORKFLOW = Workflow(
    "training",
    doc="training-request",
    title="Internal training request (Education Services)",
    field="status",
    states=S.choices,
    moves=[
        Move(
            action="complete_tasks",
            sources=frozenset({S.REQUESTED}),
            target=S.TASKS_COMPLETE,
            label="Mark requestor tasks complete",
            guards=[requester_or_coordinator_refusal, requestor_tasks_done_refusal],
        ),
        Move(
            action="reopen_tasks",
            sources=frozenset({S.TASKS_COMPLETE}),
            target=S.REQUESTED,
            label="Reopen requestor tasks",
            guards=[requester_or_coordinator_refusal],
        ),
        Move(
            action="start_planning",
            sources=frozenset({S.TASKS_COMPLETE}),
            target=S.PLANNING,
            label="Start planning",
            permission=PLAN,
        ),
        Move(
            action="schedule",
            sources=frozenset({S.PLANNING}),
            target=S.SCHEDULED,
            label="Schedule",
            permission=PLAN,
            guards=[registration_lead_time_refusal],
        ),
        Move(
            action="deliver",
            sources=frozenset({S.SCHEDULED}),
            target=S.DELIVERED,
            label="Mark delivered",
            permission=PLAN,
            guards=[sessions_ended_refusal],
        ),
        Move(action="close", sources=frozenset({S.DELIVERED}), target=S.CLOSED, label="Close out", permission=PLAN),
        Move(
            action="cancel",
            sources=frozenset(PRE_DELIVERY),
            target=S.CANCELLED,
            label="Cancel",
            needs_reason=True,
            guards=[cancel_allowed_refusal],
        ),
    ],
)
