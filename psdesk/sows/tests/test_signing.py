"""After Approved: legal stamp → release → customer signature → countersignature → executed, the
guards and refusals on the way, and the Closed Won booking path for custom engagements."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.notifications.models import Notification
from psdesk.sows.models import LegalCase, Signature, Sow, SowVersion
from psdesk.sows.services import (
    sow_countersign,
    sow_customer_sign,
    sow_generate,
    sow_release,
    sow_stamp,
)

pytestmark = pytest.mark.django_db


def _current(sow: Sow) -> SowVersion:
    assert sow.current is not None, "the SOW has a current version"
    return sow.current


def _bytes(f: Any) -> bytes:
    with f.open("rb") as fh:
        return bytes(fh.read())


def test_the_full_path_from_stamp_to_executed(approved_sow: Sow, people: Any, frozen_clock: Any) -> None:
    v = _current(approved_sow)
    case = sow_stamp(sow_id=approved_sow.pk, version_id=v.pk, actor=people.lena, note="ok")
    assert (case.reviewer, case.content_hash, case.version_id) == (people.lena, v.content_hash, v.pk)
    sow_release(sow_id=approved_sow.pk, actor=people.alice, signer_email="cam@customer.example")
    sig = sow_customer_sign(
        sow_id=approved_sow.pk,
        actor=people.alice,
        name="Carl Customer",
        title="CTO",
        signed_on=datetime.date(2026, 11, 26),
        signed_pdf=_bytes(v.pdf),
    )
    assert (sig.party, sig.name, sig.title, sig.signed_on) == (
        "customer",
        "Carl Customer",
        "CTO",
        datetime.date(2026, 11, 26),
    )
    assert len(sig.signed_pdf_sha256) == 64
    sow = sow_countersign(sow_id=approved_sow.pk, actor=people.rita, name="Rita Revenue")
    assert sow.status == "executed"
    assert Signature.objects.get(party="vendor").title == "VP Revenue Accounting"
    verbs = list(AuditEvent.objects.filter(verb__startswith="sows.").order_by("seq").values_list("verb", flat=True))
    assert verbs[-9:] == [
        "sows.stamp",
        "sows.legal_case_opened",
        "sows.release",
        "sows.signature_requested",
        "sows.customer_sign",
        "sows.signature_recorded",
        "sows.countersign",
        "sows.signature_recorded",
        "sows.executed_pdf_sealed",
    ]
    stamp = AuditEvent.objects.get(verb="sows.stamp")
    assert (stamp.before, stamp.after) == ({"status": "draft"}, {"status": "stamped"})
    erin_got = set(Notification.objects.filter(recipient=people.erin).values_list("event", flat=True))
    assert {"sow.released", "sow.signed", "sow.executed"} <= erin_got


def test_stamping_before_approval_is_refused(sow_wip: Any, people: Any) -> None:
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    with pytest.raises(TransitionNotAllowed, match="only after it is Approved"):
        sow_stamp(sow_id=v.sow_id, version_id=v.pk, actor=people.lena)
    assert LegalCase.objects.count() == 0


def test_stamping_a_superseded_version_is_refused(approved_sow: Sow, people: Any) -> None:
    from psdesk.sows.tests.conftest import set_state

    old = _current(approved_sow)
    with pytest.raises(Conflict, match="content is frozen"):
        sow_generate(engagement_id=approved_sow.engagement_id, actor=people.erin)
    set_state(approved_sow.engagement, "ready_for_approval")
    sow_generate(engagement_id=approved_sow.engagement_id, actor=people.erin)
    set_state(approved_sow.engagement, "approved")
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict, match="superseded"):
        sow_stamp(sow_id=approved_sow.pk, version_id=old.pk, actor=people.lena)
    assert LegalCase.objects.count() == 0 and AuditEvent.objects.count() == before
    approved_sow.refresh_from_db()
    assert approved_sow.status == "draft"


def test_only_legal_stamps(approved_sow: Sow, people: Any) -> None:
    for who in ("erin", "leo", "rita"):
        with pytest.raises(PermissionDenied, match="permission"):
            sow_stamp(sow_id=approved_sow.pk, version_id=_current(approved_sow).pk, actor=people[who])
    assert LegalCase.objects.count() == 0


def test_releasing_before_the_stamp_is_refused(approved_sow: Sow, people: Any) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed, match="starts from Legal stamped"):
        sow_release(sow_id=approved_sow.pk, actor=people.erin, signer_email="cam@customer.example")
    assert AuditEvent.objects.count() == before
    assert not Notification.objects.filter(event="sow.released").exists()


def test_release_needs_the_stamp_on_the_current_version(approved_sow: Sow, people: Any) -> None:
    sow_stamp(sow_id=approved_sow.pk, version_id=_current(approved_sow).pk, actor=people.lena)
    LegalCase.objects.update(content_hash="0" * 64)  # as if the stamp named another hash
    with pytest.raises(TransitionNotAllowed, match="legal stamp on the current version"):
        sow_release(sow_id=approved_sow.pk, actor=people.erin, signer_email="cam@customer.example")


def test_a_signed_pdf_whose_text_differs_is_refused(approved_sow: Sow, people: Any) -> None:
    from psdesk.sows import document as doc
    from psdesk.sows import rendering

    v = _current(approved_sow)
    sow_stamp(sow_id=approved_sow.pk, version_id=v.pk, actor=people.lena)
    sow_release(sow_id=approved_sow.pk, actor=people.erin, signer_email="cam@customer.example")
    tampered = {**v.content, "fees": {**v.content["fees"], "total": "1.00"}}
    pdf = rendering.render_pdf(rendering.render_html(tampered, doc.sections(tampered), version=1))
    with pytest.raises(ValidationFailed, match=r"differs from approved version 1 in: 8\. Fees"):
        sow_customer_sign(sow_id=approved_sow.pk, actor=people.erin, name="Carl", title="CTO", signed_pdf=pdf)
    with pytest.raises(ValidationFailed, match="must be a PDF"):
        sow_customer_sign(sow_id=approved_sow.pk, actor=people.erin, name="Carl", title="CTO", signed_pdf=b"hello")
    approved_sow.refresh_from_db()
    assert approved_sow.status == "released" and Signature.objects.count() == 0


def test_signatures_need_name_title_and_a_past_date(approved_sow: Sow, people: Any, frozen_clock: Any) -> None:
    sow_stamp(sow_id=approved_sow.pk, version_id=_current(approved_sow).pk, actor=people.lena)
    sow_release(sow_id=approved_sow.pk, actor=people.erin, signer_email="cam@customer.example")
    with pytest.raises(ValidationFailed, match="title"):
        sow_customer_sign(sow_id=approved_sow.pk, actor=people.erin, name="Carl", title="")
    with pytest.raises(ValidationFailed, match="future"):
        sow_customer_sign(
            sow_id=approved_sow.pk, actor=people.erin, name="Carl", title="CTO", signed_on=datetime.date(2026, 12, 1)
        )
    with pytest.raises(TransitionNotAllowed, match="starts from Signed by the customer"):
        sow_countersign(sow_id=approved_sow.pk, actor=people.rita)
    assert Signature.objects.count() == 0


def test_an_executed_sow_is_immutable(approved_sow: Sow, people: Any) -> None:
    from psdesk.sows.services import sow_review_record

    sow_stamp(sow_id=approved_sow.pk, version_id=_current(approved_sow).pk, actor=people.lena)
    sow_release(sow_id=approved_sow.pk, actor=people.erin, signer_email="cam@customer.example")
    sow_customer_sign(sow_id=approved_sow.pk, actor=people.erin, name="Carl", title="CTO")
    with pytest.raises(PermissionDenied, match="permission"):
        sow_countersign(sow_id=approved_sow.pk, actor=people.erin)
    sow_countersign(sow_id=approved_sow.pk, actor=people.rita)
    count = approved_sow.versions.count()
    with pytest.raises(Conflict, match="executed SOW is immutable"):
        sow_generate(engagement_id=approved_sow.engagement_id, actor=people.erin)
    with pytest.raises(Conflict, match="executed SOW is immutable"):
        sow_review_record(sow_id=approved_sow.pk, actor=people.erin)
    assert approved_sow.versions.count() == count


def _execute(sow: Sow, people: Any) -> None:
    sow_stamp(sow_id=sow.pk, version_id=_current(sow).pk, actor=people.lena)
    sow_release(sow_id=sow.pk, actor=people.erin, signer_email="cam@customer.example")
    sow_customer_sign(sow_id=sow.pk, actor=people.erin, name="Carl", title="CTO")
    sow_countersign(sow_id=sow.pk, actor=people.rita)


def test_closed_won_for_a_custom_engagement_needs_executed_sow_and_po(
    approved_sow: Sow, people: Any, opportunity: Any, monkeypatch: Any
) -> None:
    from psdesk.crm import services as crm_services
    from psdesk.crm.services import opportunity_transition, opportunity_update

    monkeypatch.setattr(crm_services, "AFTER_STAGE_HOOKS", [])  # delivery hand-off is not under test here

    with pytest.raises(TransitionNotAllowed, match="SOW executed"):
        opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.rita)
    _execute(approved_sow, people)
    with pytest.raises(TransitionNotAllowed, match="PO number"):
        opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.rita)
    opportunity_update(opportunity_id=opportunity.pk, actor=people.rita, changes={"no_po_required": True})
    applied = opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.rita)
    assert applied.target == "closed_won"


def test_splitting_into_billable_events_creates_one_opportunity_each(
    approved_sow: Sow, people: Any, opportunity: Any
) -> None:
    from decimal import Decimal

    from psdesk.crm.models import Opportunity
    from psdesk.sows.services import sow_split_billable_events

    with pytest.raises(ValidationFailed, match=r"must sum to the SOW total 29,040\.00"):
        sow_split_billable_events(
            sow_id=approved_sow.pk,
            actor=people.rita,
            events=[{"label": "Implementation", "amount": "15840.00"}, {"label": "Migration", "amount": "1"}],
        )
    with pytest.raises(PermissionDenied):
        sow_split_billable_events(sow_id=approved_sow.pk, actor=people.erin, events=[])
    events = sow_split_billable_events(
        sow_id=approved_sow.pk,
        actor=people.rita,
        events=[
            {"label": "Implementation", "amount": "15840.00", "bill_on": "2027-01-15"},
            {"label": "Migration", "amount": "10560.00", "bill_on": "2027-02-15"},
            {"label": "Education", "amount": "2640.00", "bill_on": "2027-03-01"},
        ],
    )
    assert [e.opportunity_id == opportunity.pk for e in events] == [True, False, False]
    amounts = [Opportunity.objects.get(pk=e.opportunity_id).amount for e in events]
    assert amounts == [Decimal("15840.00"), Decimal("10560.00"), Decimal("2640.00")]
    assert sum(amounts) == _current(approved_sow).total
    assert AuditEvent.objects.filter(verb="sows.split").count() == 1


def test_submit_for_approval_guards_name_what_is_missing(sow_wip: Any, people: Any) -> None:
    from psdesk.core.workflow import MoveContext
    from psdesk.sows.selectors import SUBMIT_FOR_APPROVAL_GUARDS
    from psdesk.sows.services import sow_review_record
    from psdesk.sows.tests.conftest import make_estimate

    ctx = MoveContext(actor=people.erin)

    def refusals() -> list[str | None]:
        return [g(sow_wip, ctx) for g in SUBMIT_FOR_APPROVAL_GUARDS]

    r = refusals()
    assert r[0] == "Generate the SOW draft from the customer-agreed estimate first."
    assert r[2] is None  # the agreed estimate has cost and margin
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert refusals()[3] == "Record that the account team and the customer reviewed the current SOW draft."
    sow_review_record(sow_id=v.sow_id, actor=people.erin)
    assert refusals() == [None, None, None, None]
    make_estimate(sow_wip)  # the customer agrees to a newer version: the SOW must follow
    assert refusals()[0] == "The current SOW version is not generated from the estimate version the customer agreed to."


def test_release_emails_the_pdf_to_the_customer_signer_and_needs_one(
    approved_sow: Sow, people: Any, frozen_clock: Any
) -> None:
    import base64

    from psdesk.core.errors import ValidationFailed
    from psdesk.engagements.models import SchedulingIntake
    from psdesk.notifications.delivery import outbox_deliver_one
    from psdesk.notifications.models import OutboxMessage
    from psdesk.sows.choices import SowStatus

    v = _current(approved_sow)
    sow_stamp(sow_id=approved_sow.pk, version_id=v.pk, actor=people.lena, note="ok")
    with pytest.raises(ValidationFailed, match="Name the customer signer"):
        sow_release(sow_id=approved_sow.pk, actor=people.erin)
    approved_sow.refresh_from_db()
    assert approved_sow.status != SowStatus.RELEASED and not OutboxMessage.objects.filter(event="sow.released").exists()
    SchedulingIntake.objects.update_or_create(
        engagement=approved_sow.engagement,
        defaults={"contacts": [{"role": "signer", "name": "Carl Customer", "email": "Carl@Customer.example"}]},
    )
    sow_release(sow_id=approved_sow.pk, actor=people.erin)
    [msg] = OutboxMessage.objects.filter(event="sow.released", target="email", destination="carl@customer.example")
    assert msg.payload["to"] == ["carl@customer.example"] and msg.payload["cc"] == [people.erin.email]
    [att] = msg.payload["attachments"]
    assert att["mimetype"] == "application/pdf" and base64.b64decode(att["content_b64"]) == _bytes(v.pdf)
    assert outbox_deliver_one(message_id=msg.pk).result == "sent"
