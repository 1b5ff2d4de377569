"""Quote reads (PubSec-aware) and the Closed Won booking path for standard SKUs."""

from __future__ import annotations

from typing import Any

from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.workflow import BookingVerdict
from psdesk.quotes.choices import QuoteStatus
from psdesk.quotes.models import Quote
from psdesk.quotes.querysets import QuoteQuerySet
from psdesk.quotes.workflow import QUOTE_WORKFLOW

STANDARD_PATH = "standard order form"


def quote_list(*, user: Actor, opportunity_id: int | None = None, state: str = "") -> QuoteQuerySet:
    qs: QuoteQuerySet = Quote.objects.visible_to(user).select_related("opportunity", "opportunity__account")
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    if state:
        qs = qs.filter(state=state)
    return qs


def quote_get(*, user: Actor, quote_id: int) -> Quote:
    quote = (
        Quote.objects.visible_to(user)
        .select_related("opportunity", "opportunity__account", "opportunity__owner", "created_by")
        .prefetch_related("lines__sku")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise NotFound(f"quote {quote_id} not found")
    return quote


def quote_moves(quote: Quote, user: Actor | None) -> list[dict[str, Any]]:
    ctx = MoveContext(actor=user, reason="(preview)", data={"signer_name": "(preview)", "signed_on": None})
    result = []
    for m in QUOTE_WORKFLOW.actions_from(quote.state):
        refusal = QUOTE_WORKFLOW.refusal(quote, m.action, ctx)
        if m.action == "mark_signed" and refusal and refusal.startswith("Enter the date"):
            refusal = None  # the form asks for the date
        result.append({"action": m.action, "label": m.label, "needs_reason": m.needs_reason, "refusal": refusal})
    return result


def standard_order_form_path(opp: Any, ctx: MoveContext) -> BookingVerdict | None:
    """Booking path for standard SKUs (docs/process.md, Closed won): applies when the opportunity has a live
    quote; complete when its primary quote is signed (the signed order form)."""
    live = Quote.objects.filter(opportunity_id=opp.pk).exclude(state=QuoteStatus.CANCELLED)
    if not live.exists():
        return None
    primary = live.filter(is_primary=True).first()
    if primary is None:
        return BookingVerdict(STANDARD_PATH, "Choose a primary quote and have it signed before closing won.")
    if primary.state != QuoteStatus.SIGNED:
        return BookingVerdict(
            STANDARD_PATH,
            f"The primary quote {primary.number} is {primary.get_state_display().lower()}; "
            "mark the signed order form before closing won.",
        )
    return BookingVerdict(STANDARD_PATH)
