"""The delivery project lifecycle (PRODUCT C11, ps-process §3.8)."""

from __future__ import annotations

from typing import Any

from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.projects.choices import OPEN_PROJECT_STATES, ProjectStatus

P = ProjectStatus
MANAGE = "projects.manage_project"


def checklist_complete_and_welcomed(project: Any, ctx: MoveContext) -> str | None:
    """Okay to Start needs every set-up checklist item done and the welcome email sent."""
    missing = [str(item.get_key_display()) for item in project.checklist.all() if not item.done]
    if missing:
        return "Finish the set-up checklist first: " + "; ".join(missing) + "."
    if project.welcome_sent_at is None:
        return "Send the welcome email before the project is okay to start."
    return None


def _back(project: Any) -> str:
    return str(project.status_before_pause or P.IN_SET_UP)


PROJECT_WORKFLOW = Workflow(
    "projects",
    doc="project",
    title="Delivery project",
    field="status",
    states=P.choices,
    moves=[
        Move("book", frozenset({P.PROSPECT}), P.IN_SET_UP, "Booked (Closed Won)", system_only=True),
        Move(
            "okay_to_start",
            frozenset({P.IN_SET_UP}),
            P.OKAY_TO_START,
            "Okay to start",
            MANAGE,
            guards=[checklist_complete_and_welcomed],
        ),
        Move("start", frozenset({P.OKAY_TO_START}), P.ACTIVE, "Start delivery", MANAGE),
        Move("close", frozenset({P.ACTIVE}), P.CLOSED, "Close", MANAGE),
        Move("complete", frozenset({P.CLOSED}), P.COMPLETED, "Complete", MANAGE),
        Move("hold", frozenset(OPEN_PROJECT_STATES), P.ON_HOLD, "Put on hold", MANAGE, needs_reason=True),
        Move("backlog", frozenset(OPEN_PROJECT_STATES), P.BACKLOG, "Move to backlog", MANAGE, needs_reason=True),
        Move(
            "resume",
            frozenset({P.ON_HOLD, P.BACKLOG}),
            None,
            "Resume",
            MANAGE,
            target_of=_back,
            target_label="the status it left",
        ),
        Move(
            "cancel",
            frozenset({*OPEN_PROJECT_STATES, P.ON_HOLD, P.BACKLOG}),
            P.CANCELLED,
            "Cancel",
            MANAGE,
            needs_reason=True,
        ),
    ],
)
