"""The queue entry's one state change that matters to customers: committing a start date.

No premature commitment (docs/process.md, Delivery queue and forecast): the move requires the `commit_start`
permission (ps-scheduling), the opportunity Closed Won, and an explicit coordinator confirmation.
"""

from __future__ import annotations

from typing import Any

from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.crm.choices import OpportunityStage
from psdesk.scheduling.choices import DemandKind, QueueStatus


def not_closed_won_refusal(entry: Any, ctx: MoveContext) -> str | None:
    """Refused unless the entry is committed work of a Closed Won opportunity."""
    opp = entry.opportunity
    if entry.kind != DemandKind.COMMITTED or opp is None or opp.stage != OpportunityStage.CLOSED_WON:
        return "A start date can be committed only once the opportunity is Closed Won; until then it is a forecast."
    return None


def unconfirmed_start_refusal(entry: Any, ctx: MoveContext) -> str | None:
    """Refused unless the coordinator confirmed explicitly and gave the start date."""
    if ctx.data.get("confirm") is not True:
        return "A coordinator (ps-scheduling) must confirm the start date explicitly."
    if not ctx.data.get("start"):
        return "Give the start date to commit."
    return None


QUEUE_WORKFLOW = Workflow(
    "queue_entry",
    field="status",
    states=QueueStatus.choices,
    moves=[
        Move(
            action="commit_start",
            sources=frozenset({QueueStatus.QUEUED, QueueStatus.START_COMMITTED}),
            target=QueueStatus.START_COMMITTED,
            label="Commit the start date",
            permission="scheduling.commit_start",
            guards=[not_closed_won_refusal, unconfirmed_start_refusal],
        ),
        Move(
            action="remove",
            sources=frozenset({QueueStatus.QUEUED, QueueStatus.START_COMMITTED}),
            target=QueueStatus.REMOVED,
            label="Remove from the queue",
            permission="scheduling.manage_queue",
            needs_reason=True,
        ),
    ],
)
