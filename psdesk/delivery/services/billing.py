"""The billable event of an accepted milestone: one row per milestone (a database constraint), sent to
the billing system (built-in, or Zuora) through the outbox after commit with a stable key."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.delivery.models import BillableEvent, Milestone
from psdesk.notifications.services import outbox_enqueue


def billable_event_ref(milestone: Milestone) -> str:
    return f"PSD-MS-{milestone.pk}"


def billable_event_create(*, milestone: Milestone, acceptance: str, actor: Actor | str | None = None) -> BillableEvent:
    """Bill an accepted milestone's fee exactly once.

    Idempotent: a second call (a replayed acceptance, a racing sweep) returns the first event and
    enqueues nothing; the one-to-one on the milestone refuses a second row even when two
    transactions race past the check. Side effects: the event row, the outbox message to the
    `billing` target (key `billing:<ref>`, so the billing system sees one request however often it
    is delivered), audited `delivery.billable_event_created`. Call inside the acceptance's
    transaction."""
    existing = BillableEvent.objects.filter(milestone=milestone).first()
    if existing is not None:
        return existing
    ref = billable_event_ref(milestone)
    today = clock.today()
    try:
        with transaction.atomic():
            event = BillableEvent.objects.create(
                milestone=milestone,
                ref=ref,
                amount=milestone.fee,
                currency=milestone.currency,
                acceptance=acceptance,
                service_date=today,
            )
    except IntegrityError:  # a concurrent acceptance of the same milestone won
        return BillableEvent.objects.get(milestone=milestone)
    project = milestone.project
    msg = outbox_enqueue(
        target="billing",
        operation="billable_event_create",
        destination=ref,
        event="milestone.billed",
        payload={
            "ref": ref,
            "account": project.account.name,
            "currency": milestone.currency,
            "amount": f"{milestone.fee:.2f}",
            "description": f"{project.name} — {milestone}",
            "service_date": today.isoformat(),
        },
        source=milestone,
        pubsec=project.account.us_public_sector,
        idempotency_key=f"billing:{ref}",
    )
    BillableEvent.objects.filter(pk=event.pk).update(outbox_message_id=msg.pk)
    event.outbox_message_id = msg.pk
    audit_record(
        verb="delivery.billable_event_created",
        actor=actor,
        target=milestone,
        after={"ref": ref, "amount": milestone.fee, "currency": milestone.currency, "acceptance": acceptance},
    )
    return event
