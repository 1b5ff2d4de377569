"""The delivery project lifecycle (docs/process.md, Projects and the welcome email)."""

from __future__ import annotations

from typing import Any

from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.projects.choices import OPEN_PROJECT_STATES, ProjectStatus

P = ProjectStatus
MANAGE = "projects.manage_project"


def checklist_complete_and_welcomed_refusal(project: Any, ctx: MoveContext) -> str | None:
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
        Move(
            action="book",
            sources=frozenset({P.PROSPECT}),
            target=P.IN_SET_UP,
            label="Booked (Closed Won)",
            system_only=True,
        ),
        Move(
            action="okay_to_start",
            sources=frozenset({P.IN_SET_UP}),
            target=P.OKAY_TO_START,
            label="Okay to start",
            permission=MANAGE,
            guards=[checklist_complete_and_welcomed_refusal],
        ),
        Move(
            action="start",
            sources=frozenset({P.OKAY_TO_START}),
            target=P.ACTIVE,
            label="Start delivery",
            permission=MANAGE,
        ),
        Move(action="close", sources=frozenset({P.ACTIVE}), target=P.CLOSED, label="Close", permission=MANAGE),
        Move(action="complete", sources=frozenset({P.CLOSED}), target=P.COMPLETED, label="Complete", permission=MANAGE),
        Move(
            action="hold",
            sources=frozenset(OPEN_PROJECT_STATES),
            target=P.ON_HOLD,
            label="Put on hold",
            permission=MANAGE,
            needs_reason=True,
        ),
        Move(
            action="backlog",
            sources=frozenset(OPEN_PROJECT_STATES),
            target=P.BACKLOG,
            label="Move to backlog",
            permission=MANAGE,
            needs_reason=True,
        ),
        Move(
            action="resume",
            sources=frozenset({P.ON_HOLD, P.BACKLOG}),
            target=None,
            label="Resume",
            permission=MANAGE,
            target_of=_back,
            target_label="the status it left",
        ),
        Move(
            action="cancel",
            sources=frozenset({*OPEN_PROJECT_STATES, P.ON_HOLD, P.BACKLOG}),
            target=P.CANCELLED,
            label="Cancel",
            permission=MANAGE,
            needs_reason=True,
        ),
    ],
)
