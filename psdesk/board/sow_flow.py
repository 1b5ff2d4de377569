"""SOWs on the board (owned by the SOW feature): what is approved is the current SOW version's
content hash, and an opportunity closing won moves its engagement card(s) to Closed Won.

Registered from BoardConfig.ready() via `register()`. Board-level code because sows sits below
board: sows may not call `engagement_transition` itself.
"""

from __future__ import annotations

from psdesk.audit.transitions import Applied
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import OpportunityStage
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.sows.models import BillableEvent
from psdesk.sows.selectors import sow_current_hash


def close_cards_when_opportunity_won(applied: Applied, ctx: MoveContext) -> None:
    """After an opportunity moves to Closed Won (inside its transaction): every open card linked to it
    (directly, or through a billable event of its SOW) moves to Closed Won as the system, audited."""
    from psdesk.board.services import engagement_transition

    if applied.target == OpportunityStage.CLOSED_LOST:
        _close_cards_lost(applied, ctx)
        return
    if applied.target != OpportunityStage.CLOSED_WON:
        return
    opp = applied.obj
    ids = set(Engagement.objects.filter(opportunity=opp).values_list("pk", flat=True))
    ids |= set(BillableEvent.objects.filter(opportunity=opp).values_list("sow__engagement_id", flat=True))
    for eng in Engagement.objects.filter(pk__in=ids).exclude(state__in=CLOSED_STATES).select_related("opportunity"):
        if eng.opportunity_id != opp.pk:
            continue  # a further billable event: the card follows its own (first) opportunity
        engagement_transition(
            engagement_id=eng.pk, action="close_won", actor=ctx.actor, system=True, reason="opportunity closed won"
        )


def _close_cards_lost(applied: Applied, ctx: MoveContext) -> None:
    """An opportunity closing lost closes its open cards lost too (Closed Lost follows the opportunity)."""
    from psdesk.board.services import engagement_transition

    opp = applied.obj
    for pk in Engagement.objects.filter(opportunity=opp).exclude(state__in=CLOSED_STATES).values_list("pk", flat=True):
        engagement_transition(
            engagement_id=pk,
            action="close_lost",
            actor=ctx.actor,
            system=True,
            reason=f"opportunity closed lost{': ' + ctx.reason if ctx.reason else ''}",
        )


def register() -> None:
    from psdesk.board.approval_flow import register_content_hash
    from psdesk.crm.services import register_after_stage_move

    register_content_hash(sow_current_hash)
    register_after_stage_move(close_cards_when_opportunity_won)
