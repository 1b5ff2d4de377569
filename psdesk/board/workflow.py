"""The engagement lifecycle (PRODUCT C7): the single definition of who may move a card where.

Guards live in the app that owns the data they check (scoping: required SSOT rows; estimates:
shared / agreed / TA-approved versions; sows: draft, terms, cost estimate, reviews; board.labels:
RDM approval; board.approval_flow: PS Leadership + Revenue on the current hash) and are listed on
their move here, so this table stays the one place that says who may move a card where.
"""

from __future__ import annotations

from typing import Any

from psdesk.board.approval_flow import approvals_complete
from psdesk.board.labels import rdm_approved
from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.crm.choices import OpportunityStage
from psdesk.engagements.choices import OPEN_STATES, EngagementStatus
from psdesk.estimates.selectors import estimate_agreed_and_ta_approved, estimate_shared_with_lines
from psdesk.scoping.guards import ssot_required_answered
from psdesk.sows.selectors import SUBMIT_FOR_APPROVAL_GUARDS

S = EngagementStatus
MOVE = "engagements.move_engagement"


def em_assigned(eng: Any, ctx: MoveContext) -> str | None:
    """Open → Awaiting Discovery needs an engagement manager."""
    if not eng.em_id:
        return "Assign an engagement manager before starting discovery."
    return None


def opportunity_closed_won(eng: Any, ctx: MoveContext) -> str | None:
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
        Move("triage", frozenset({S.OPEN}), S.AWAITING_DISCOVERY, "Start discovery", MOVE, guards=[em_assigned]),
        Move(
            "start_strawman",
            frozenset({S.AWAITING_DISCOVERY}),
            S.STRAWMAN_WIP,
            "Start strawman",
            MOVE,
            guards=[ssot_required_answered],
        ),
        Move(
            "request_feedback",
            frozenset({S.STRAWMAN_WIP}),
            S.ESTIMATE_FEEDBACK,
            "Share estimate for feedback",
            MOVE,
            guards=[estimate_shared_with_lines],
        ),
        Move("iterate", frozenset({S.ESTIMATE_FEEDBACK}), S.STRAWMAN_WIP, "Back to strawman", MOVE),
        Move(
            "start_sow",
            frozenset({S.ESTIMATE_FEEDBACK}),
            S.SOW_WIP,
            "Start SOW",
            MOVE,
            guards=[estimate_agreed_and_ta_approved],
        ),
        Move(
            "submit_for_approval",
            frozenset({S.SOW_WIP}),
            S.READY_FOR_APPROVAL,
            "Submit for approval",
            MOVE,
            guards=[*SUBMIT_FOR_APPROVAL_GUARDS, rdm_approved],
        ),
        Move(
            "send_back",
            frozenset({S.READY_FOR_APPROVAL}),
            S.SOW_WIP,
            "Send back to SOW WIP",
            "engagements.send_back_engagement",
            needs_reason=True,
        ),
        Move(
            "approve",
            frozenset({S.READY_FOR_APPROVAL}),
            S.APPROVED,
            "Approve",
            None,
            system_only=True,
            guards=[approvals_complete],
        ),
        Move("hold", frozenset(OPEN_STATES), S.ON_HOLD, "Put on hold", MOVE, needs_reason=True),
        Move(
            "resume",
            frozenset({S.ON_HOLD}),
            None,
            "Resume",
            MOVE,
            needs_reason=True,
            target_of=_resume_target,
            target_label="the column it left",
        ),
        Move(
            "close_won",
            frozenset({*OPEN_STATES, S.ON_HOLD}),
            S.CLOSED_WON,
            "Close won",
            "engagements.close_engagement",
            guards=[opportunity_closed_won],
        ),
        Move(
            "close_lost",
            frozenset({*OPEN_STATES, S.ON_HOLD}),
            S.CLOSED_LOST,
            "Close lost",
            "engagements.close_engagement",
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
