"""The engagement lifecycle (docs/process.md, The approval board): the single definition of who
may move a card where.

Guards return a refusal (a human reason) or None. They live in the app that owns the data they check
(scoping.guards: required SSOT rows; estimates.selectors: shared / agreed / TA-approved versions;
sows.selectors: draft, terms, cost estimate, reviews; engagements.labels: the RDM review;
board.approval_state: PS Leadership + Revenue on the current hash) and are listed on their move
here, so this table stays the one place that says who may move a card where.
"""

from __future__ import annotations

from typing import Any

from psdesk.board.approval_state import approvals_complete_refusal
from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.crm.choices import OpportunityStage
from psdesk.engagements.choices import OPEN_STATES, EngagementStatus
from psdesk.engagements.labels import rdm_approved_refusal
from psdesk.estimates.selectors import estimate_agreed_and_ta_approved_refusal, estimate_shared_with_lines_refusal
from psdesk.scoping.guards import ssot_required_answered_refusal
from psdesk.sows.selectors import SUBMIT_FOR_APPROVAL_GUARDS

S = EngagementStatus
MOVE = "engagements.move_engagement"


def em_assigned_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Open → Awaiting Discovery needs an engagement manager."""
    if not eng.em_id:
        return "Assign an engagement manager before starting discovery."
    return None


def opportunity_closed_won_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Closed Won follows the opportunity."""
    opp = eng.opportunity
    if opp is None:
        return "Link the opportunity first: Closed Won follows the opportunity's stage."
    if opp.stage != OpportunityStage.CLOSED_WON:
        return f"The opportunity is at {opp.get_stage_display()}; the card closes won when the opportunity does."
    return None


def _resume_target(eng: Any) -> str:
    return str(eng.state_before_hold or S.OPEN)


ENGAGEMENT_WORKFLOW = Workflow(
    "board",
    doc="engagement",
    title="Engagement (SOW Proposal Approval Board)",
    field="state",
    states=S.choices,
    moves=[
        Move(
            action="triage",
            sources=frozenset({S.OPEN}),
            target=S.AWAITING_DISCOVERY,
            label="Start discovery",
            permission=MOVE,
            guards=[em_assigned_refusal],
        ),
        Move(
            action="start_strawman",
            sources=frozenset({S.AWAITING_DISCOVERY}),
            target=S.STRAWMAN_WIP,
            label="Start strawman",
            permission=MOVE,
            guards=[ssot_required_answered_refusal],
        ),
        Move(
            action="request_feedback",
            sources=frozenset({S.STRAWMAN_WIP}),
            target=S.ESTIMATE_FEEDBACK,
            label="Share estimate for feedback",
            permission=MOVE,
            guards=[estimate_shared_with_lines_refusal],
        ),
        Move(
            action="iterate",
            sources=frozenset({S.ESTIMATE_FEEDBACK}),
            target=S.STRAWMAN_WIP,
            label="Back to strawman",
            permission=MOVE,
        ),
        Move(
            action="start_sow",
            sources=frozenset({S.ESTIMATE_FEEDBACK}),
            target=S.SOW_WIP,
            label="Start SOW",
            permission=MOVE,
            guards=[estimate_agreed_and_ta_approved_refusal],
        ),
        Move(
            action="submit_for_approval",
            sources=frozenset({S.SOW_WIP}),
            target=S.READY_FOR_APPROVAL,
            label="Submit for approval",
            permission=MOVE,
            guards=[*SUBMIT_FOR_APPROVAL_GUARDS, rdm_approved_refusal],
        ),
        Move(
            action="send_back",
            sources=frozenset({S.READY_FOR_APPROVAL}),
            target=S.SOW_WIP,
            label="Send back to SOW WIP",
            permission="engagements.send_back_engagement",
            needs_reason=True,
        ),
        Move(
            action="approve",
            sources=frozenset({S.READY_FOR_APPROVAL}),
            target=S.APPROVED,
            label="Approve",
            permission=None,
            system_only=True,
            guards=[approvals_complete_refusal],
        ),
        Move(
            action="signature_declined",
            sources=frozenset({S.APPROVED}),
            target=S.SOW_WIP,
            label="Back to SOW WIP: the customer declined to sign",
            permission=None,
            system_only=True,
            needs_reason=True,
        ),
        Move(
            action="hold",
            sources=frozenset(OPEN_STATES),
            target=S.ON_HOLD,
            label="Put on hold",
            permission=MOVE,
            needs_reason=True,
        ),
        Move(
            action="resume",
            sources=frozenset({S.ON_HOLD}),
            target=None,
            label="Resume",
            permission=MOVE,
            needs_reason=True,
            target_of=_resume_target,
            target_label="the column it left",
        ),
        Move(
            action="close_won",
            sources=frozenset({*OPEN_STATES, S.ON_HOLD}),
            target=S.CLOSED_WON,
            label="Close won",
            permission="engagements.close_engagement",
            guards=[opportunity_closed_won_refusal],
        ),
        Move(
            action="close_lost",
            sources=frozenset({*OPEN_STATES, S.ON_HOLD}),
            target=S.CLOSED_LOST,
            label="Close lost",
            permission="engagements.close_engagement",
            needs_reason=True,
        ),
    ],
)

# The columns shown on the board, left to right.
BOARD_COLUMNS: tuple[str, ...] = (
    S.OPEN,
    S.AWAITING_DISCOVERY,
    S.STRAWMAN_WIP,
    S.ESTIMATE_FEEDBACK,
    S.SOW_WIP,
    S.READY_FOR_APPROVAL,
    S.APPROVED,
    S.ON_HOLD,
    S.CLOSED_WON,
    S.CLOSED_LOST,
)
