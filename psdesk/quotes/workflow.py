"""The quote lifecycle: draft -> sent -> signed, or cancelled from draft or sent; a sent quote may go
back to draft for revision. Signed and cancelled are terminal (a signed quote is never edited)."""

from __future__ import annotations

import datetime
from typing import Any

from psdesk.core import clock
from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.crm.choices import TERMINAL_STAGES
from psdesk.quotes.choices import QuoteStatus

Q = QuoteStatus
CHANGE = "quotes.change_quote"


def has_lines_refusal(quote: Any, ctx: MoveContext) -> str | None:
    if not quote.lines.exists():
        return "Add at least one SKU line before sending the quote."
    return None


def signature_recorded_refusal(quote: Any, ctx: MoveContext) -> str | None:
    """Marking signed needs the signer's name and a signature date that is not in the future."""
    signer = str(ctx.data.get("signer_name") or "").strip()
    signed_on = ctx.data.get("signed_on")
    if not signer:
        return "Enter the name of the customer's signer."
    if not isinstance(signed_on, datetime.date):
        return "Enter the date the order form was signed."
    if signed_on > clock.today():
        return "The signature date cannot be in the future."
    return None


def opportunity_open_refusal(quote: Any, ctx: MoveContext) -> str | None:
    if quote.opportunity.stage in TERMINAL_STAGES:
        return f"The opportunity is {quote.opportunity.get_stage_display()}; its quotes are frozen."
    return None


QUOTE_WORKFLOW = Workflow(
    "quotes",
    doc="quote",
    title="Standard-SKU quote",
    field="state",
    states=Q.choices,
    moves=[
        Move(
            action="send",
            sources=frozenset({Q.DRAFT}),
            target=Q.SENT,
            label="Send to customer",
            permission=CHANGE,
            guards=[opportunity_open_refusal, has_lines_refusal],
        ),
        Move(
            action="revise",
            sources=frozenset({Q.SENT}),
            target=Q.DRAFT,
            label="Back to draft",
            permission=CHANGE,
            guards=[opportunity_open_refusal],
        ),
        Move(
            action="mark_signed",
            sources=frozenset({Q.SENT}),
            target=Q.SIGNED,
            label="Mark signed",
            permission="quotes.sign_quote",
            guards=[opportunity_open_refusal, signature_recorded_refusal],
        ),
        Move(
            action="cancel",
            sources=frozenset({Q.DRAFT, Q.SENT}),
            target=Q.CANCELLED,
            label="Cancel",
            permission=CHANGE,
            needs_reason=True,
        ),
    ],
)
