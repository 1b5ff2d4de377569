"""Cards follow their opportunity: when an opportunity closes won (or lost), its open engagement
cards move to Closed Won (or Closed Lost) as the system, audited.

Registered with `crm.register_after_stage_move` from BoardConfig.ready(): crm sits below board and
may not call `engagement_transition` itself.
"""

from __future__ import annotations

from psdesk.audit.transitions import Applied
from psdesk.board.services import engagement_transition
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import OpportunityStage
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.sows.models import BillableEvent


def close_cards_when_opportunity_closes(applied: Applied, ctx: MoveContext) -> None:
    """After an opportunity's stage move (inside its transaction): Closed Won moves every open card
    linked to it (directly, or through a billable event of its SOW) to Closed Won; Closed Lost
    closes its open cards lost. Other stages change nothing."""
    if applied.target == OpportunityStage.CLOSED_LOST:
        _close_cards_lost(applied, ctx)
    elif applied.target == OpportunityStage.CLOSED_WON:
        _close_cards_won(applied, ctx)


def _close_cards_won(applied: Applied, ctx: MoveContext) -> None:
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
    opp = applied.obj
    for pk in Engagement.objects.filter(opportunity=opp).exclude(state__in=CLOSED_STATES).values_list("pk", flat=True):
        engagement_transition(
            engagement_id=pk,
            action="close_lost",
            actor=ctx.actor,
            system=True,
            reason=f"opportunity closed lost{': ' + ctx.reason if ctx.reason else ''}",
        )
