"""SOWs on the board: the SOW guards of SOW WIP → Ready For Approval,
approvals made on the current SOW content hash (a new version invalidates them), and an
opportunity closing won moving its card to Closed Won."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.approvals.services import approval_decide, approval_request
from psdesk.board.approval_state import engagement_content_hash, final_approvals_missing
from psdesk.board.services import engagement_transition
from psdesk.core.errors import TransitionNotAllowed
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set
from psdesk.sows import services as sows
from psdesk.sows.tests.conftest import make_estimate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def card(people: Any, make_engagement: Any) -> Engagement:
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create

    eng = make_engagement(description="Stand up GitLab.")
    lic = opportunity_create(actor=people.alice, account=eng.account, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=eng.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
    eng.refresh_from_db()
    make_estimate(eng)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    return eng


def _approve_both(eng: Engagement, people: Any) -> None:
    h = engagement_content_hash(eng)
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = approval_request(kind=kind, target=eng, content_hash=h, requester=people.erin)
        approval_decide(request_id=req.pk, decider=who, approve=True, content_hash=h)


def test_submitting_for_approval_needs_the_sow_draft_and_its_review(card: Engagement, people: Any) -> None:
    with pytest.raises(TransitionNotAllowed, match="Generate the SOW draft"):
        engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    v = sows.sow_generate(engagement_id=card.pk, actor=people.erin)
    with pytest.raises(TransitionNotAllowed, match="reviewed the current SOW draft"):
        engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    assert Engagement.objects.get(pk=card.pk).state == S.SOW_WIP
    sows.sow_review_record(sow_id=v.sow_id, actor=people.erin)
    applied = engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    assert applied.target == S.READY_FOR_APPROVAL


def test_approvals_are_on_the_sow_hash_and_a_new_version_invalidates_them(card: Engagement, people: Any) -> None:
    v1 = sows.sow_generate(engagement_id=card.pk, actor=people.erin)
    assert engagement_content_hash(card) == v1.content_hash
    sows.sow_review_record(sow_id=v1.sow_id, actor=people.erin)
    engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    h1 = engagement_content_hash(card)
    req = approval_request(kind="ps_leadership", target=card, content_hash=h1, requester=people.erin)
    approval_decide(request_id=req.pk, decider=people.leo, approve=True, content_hash=h1)
    assert final_approvals_missing(card) == ["revenue"]
    v2 = sows.sow_generate(engagement_id=card.pk, actor=people.erin, billing_terms="half_half")
    assert engagement_content_hash(card) == v2.content_hash != h1
    assert final_approvals_missing(card) == ["ps_leadership", "revenue"]
    _approve_both(card, people)
    assert Engagement.objects.get(pk=card.pk).state == S.APPROVED


def test_closing_the_opportunity_won_moves_the_card_to_closed_won(
    card: Engagement, people: Any, monkeypatch: Any
) -> None:
    from psdesk.board.opportunity_close import close_cards_when_opportunity_closes
    from psdesk.crm import services as crm

    monkeypatch.setattr(
        crm, "AFTER_STAGE_HOOKS", [close_cards_when_opportunity_closes]
    )  # delivery hand-off not under test
    v = sows.sow_generate(engagement_id=card.pk, actor=people.erin)
    sows.sow_version_render(version_id=v.pk)  # the worker renders the PDF the customer signs
    sows.sow_review_record(sow_id=v.sow_id, actor=people.erin)
    engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    _approve_both(card, people)
    sows.sow_stamp(sow_id=v.sow_id, version_id=v.pk, actor=people.lena)
    sows.sow_release(sow_id=v.sow_id, actor=people.alice, signer_email="cam@customer.example")
    sows.sow_customer_sign(sow_id=v.sow_id, actor=people.alice, name="Carl", title="CTO")
    sows.sow_countersign(sow_id=v.sow_id, actor=people.rita)
    assert card.opportunity_id is not None
    crm.opportunity_update(opportunity_id=card.opportunity_id, actor=people.rita, changes={"po_number": "PO-778"})
    crm.opportunity_transition(opportunity_id=card.opportunity_id, action="close_won", actor=people.rita)
    card.refresh_from_db()
    assert card.state == S.CLOSED_WON
    from psdesk.audit.models import AuditEvent

    ev = AuditEvent.objects.filter(verb="board.close_won").get()
    assert ev.after["state"] == S.CLOSED_WON and ev.reason == "opportunity closed won"
