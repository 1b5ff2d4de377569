"""Billable events: split a SOW's total into events, each booked by its own opportunity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core.errors import Conflict, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_create, opportunity_update
from psdesk.sows.models import BillableEvent
from psdesk.sows.services.common import sow_lock


def _events_clean(events: Sequence[dict[str, Any]]) -> list[tuple[str, Decimal, date | None]]:
    if len(events) < 2:
        raise ValidationFailed("Splitting needs at least two billable events.", details={"field": "events"})
    cleaned: list[tuple[str, Decimal, date | None]] = []
    for i, e in enumerate(events):
        label = str(e.get("label", "")).strip()[:200]
        try:
            amount = Decimal(str(e.get("amount")))
        except (InvalidOperation, TypeError):
            raise ValidationFailed(f"Event {i + 1}: the amount is not a number.", details={"index": i}) from None
        if not label or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed(f"Event {i + 1} needs a label and a positive amount in cents.", details={"index": i})
        bill_on = e.get("bill_on")
        cleaned.append((label, amount, date.fromisoformat(str(bill_on)) if bill_on else None))
    return cleaned


def _event_opportunity(*, opp: Opportunity, actor: Actor, label: str, amount: Decimal, bill_on: date | None) -> Any:
    """A new PS-only opportunity under the same parent that books one further event."""
    return opportunity_create(
        actor=actor,
        account=opp.account,
        record_type=opp.record_type,
        parent=opp.parent,
        name=f"{opp.name} - {label}"[:255],
        owner=opp.owner,
        close_date=bill_on or opp.close_date,
        amount=amount,
        currency=opp.currency,
        engagement_manager=opp.engagement_manager,
        stage=opp.stage,
    )


def sow_split_billable_events(*, sow_id: int, actor: Actor, events: Sequence[dict[str, Any]]) -> list[BillableEvent]:
    """One opportunity per billable event (docs/process.md, Closed won).

    The engagement's opportunity books the first event (its amount is set to it); each further event
    gets a new PS-only opportunity under the same parent. Invariants: at least two events, amounts
    positive in cents and summing exactly to the SOW total, a SOW is split once. Side effects: the
    opportunities updated/created through the CRM services, BillableEvent rows, audited `sows.split`.
    Raises PermissionDenied without `sows.split_sow`, NotFound, ValidationFailed (bad events, no
    version, no linked opportunity), Conflict (already split).
    """
    permission_require(actor, "sows.split_sow")
    cleaned = _events_clean(events)
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
        if sow.current is None:
            raise ValidationFailed("Generate the SOW first.")
        if sow.billable_events.exists():
            raise Conflict("This SOW is already split into billable events.")
        total = sow.current.total
        if sum(a for _, a, _ in cleaned) != total:
            raise ValidationFailed(
                f"The events sum to {sum(a for _, a, _ in cleaned):,.2f}; they must sum to the SOW total {total:,.2f}.",
                details={"total": str(total)},
            )
        opp = sow.engagement.opportunity
        if opp is None:
            raise ValidationFailed("Link the engagement's opportunity before splitting.")
        out: list[BillableEvent] = []
        for i, (label, amount, bill_on) in enumerate(cleaned):
            if i == 0:
                opportunity_update(opportunity_id=opp.pk, actor=actor, changes={"amount": amount})
                target = opp
            else:
                target = _event_opportunity(opp=opp, actor=actor, label=label, amount=amount, bill_on=bill_on)
            out.append(
                BillableEvent.objects.create(sow=sow, label=label, amount=amount, bill_on=bill_on, opportunity=target)
            )
        audit_record(
            verb="sows.split",
            actor=actor,
            target=sow,
            after={"events": [{"label": e.label, "amount": e.amount, "opportunity": e.opportunity_id} for e in out]},
        )
        return out
