"""Who hears when a SOW waits for them: Legal when the card reaches Approved (the stamp), the vendor
signatories when the customer has signed (the countersignature) — exactly them, linked to the SOW
page on PSDESK_SITE_URL, and for PubSec accounts PubSec members only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings

from psdesk.accounts.services import pubsec_membership_grant
from psdesk.approvals.services import approval_decide, approval_request
from psdesk.board.approval_state import engagement_content_hash
from psdesk.board.services import engagement_transition
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.sows import services as sows
from psdesk.sows.tests.conftest import make_estimate

pytestmark = pytest.mark.django_db
SITE = "http://ps.example.test:8001"


def _card(people: Any, eng: Engagement) -> Engagement:
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create

    lic = opportunity_create(actor=people.alice, account=eng.account, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=eng.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
    eng.refresh_from_db()
    make_estimate(eng)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    return eng


def _to_approved(eng: Engagement, people: Any, em: Any) -> None:
    v = sows.sow_generate(engagement_id=eng.pk, actor=em)
    sows.sow_review_record(sow_id=v.sow_id, actor=em)
    engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=em)
    h = engagement_content_hash(eng)
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = approval_request(kind=kind, target=eng, content_hash=h, requester=em)
        approval_decide(request_id=req.pk, decider=who, approve=True, content_hash=h)
    assert Engagement.objects.get(pk=eng.pk).state == S.APPROVED


@pytest.fixture
def card(people: Any, make_engagement: Any, settings: Any, tmp_path: Any) -> Engagement:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return _card(people, make_engagement(description="Stand up GitLab."))


@override_settings(PSDESK_SITE_URL=SITE)
def test_legal_is_told_when_the_card_reaches_approved_with_a_link_to_the_sow_page(
    card: Engagement, people: Any
) -> None:
    _to_approved(card, people, people.erin)
    got = list(Notification.objects.filter(event="sow.awaiting_stamp").values_list("recipient__username", "url"))
    assert got == [("lena", f"{SITE}/sows/engagements/{card.pk}/")]
    n = Notification.objects.get(event="sow.awaiting_stamp")
    assert n.title == f"[PS Desk] Legal stamp needed: SOW-{card.sow.pk} (Acme Corp)"
    assert "version 1 for Acme Corp is approved by PS Leadership and Revenue and waits for the legal stamp" in n.body
    [mail] = OutboxMessage.objects.filter(event="sow.awaiting_stamp", target="email")
    assert mail.payload["to"] == [people.lena.email]
    assert f'href="{SITE}/sows/engagements/{card.pk}/"' in mail.payload["html"]
    assert not OutboxMessage.objects.filter(event="sow.awaiting_stamp", target="chat").exists()


def test_legal_is_not_told_again_by_other_moves(card: Engagement, people: Any) -> None:
    v = sows.sow_generate(engagement_id=card.pk, actor=people.erin)
    sows.sow_review_record(sow_id=v.sow_id, actor=people.erin)
    engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    assert not Notification.objects.filter(event="sow.awaiting_stamp").exists()


def test_a_pubsec_sow_reaches_only_legal_members_of_pubsec(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    lex = User.objects.create_user("lex", email="lex@psdesk.example", first_name="Lex")
    lex.groups.add(Group.objects.get(name="legal"))
    pubsec_membership_grant(user=lex, actor=people.oscar)  # adds the role with a current membership
    acc = make_account("Department of Secrets", pubsec=True, em=people.pat, owner=people.pat)
    eng = _card(people, make_engagement(acc, em="pat"))
    people.leo.groups.add(Group.objects.get(name="us_public_sector"))
    people.rita.groups.add(Group.objects.get(name="us_public_sector"))
    _to_approved(eng, people, people.pat)
    got = list(Notification.objects.filter(event="sow.awaiting_stamp").values_list("recipient__username", flat=True))
    assert got == ["lex"]
    assert set(OutboxMessage.objects.filter(event="sow.awaiting_stamp").values_list("pubsec", flat=True)) == {True}


@override_settings(PSDESK_SITE_URL=SITE)
def test_the_vendor_signatory_is_told_when_the_customer_signed(card: Engagement, people: Any) -> None:
    _to_approved(card, people, people.erin)
    sow = card.sow
    assert sow.current is not None
    sows.sow_stamp(sow_id=sow.pk, version_id=sow.current.pk, actor=people.lena)
    sows.sow_release(sow_id=sow.pk, actor=people.alice, signer_email="carl@acme.example")
    sows.sow_customer_sign(
        sow_id=sow.pk, actor=people.alice, name="Carl Customer", title="CTO", signed_on=datetime.date(2026, 1, 5)
    )
    got = list(
        Notification.objects.filter(event="sow.awaiting_countersignature").values_list("recipient__username", "url")
    )
    assert got == [("rita", f"{SITE}/sows/engagements/{card.pk}/")]
    n = Notification.objects.get(event="sow.awaiting_countersignature")
    assert n.body.startswith(f"Carl Customer signed SOW-{sow.pk} version 1 for Acme Corp; it waits for the vendor's")
    signed = sorted(Notification.objects.filter(event="sow.signed").values_list("recipient__username", flat=True))
    assert signed == ["erin"]  # the account team (alice) recorded it herself


def test_the_sow_release_email_is_html_with_a_text_alternative(card: Engagement, people: Any) -> None:
    _to_approved(card, people, people.erin)
    sow = card.sow
    assert sow.current is not None
    sows.sow_stamp(sow_id=sow.pk, version_id=sow.current.pk, actor=people.lena)
    sows.sow_release(sow_id=sow.pk, actor=people.alice, signer_email="carl@acme.example", signer_name="Carl")
    [mail] = OutboxMessage.objects.filter(event="sow.released", target="email", destination="carl@acme.example")
    assert mail.payload["body"].startswith("Dear Carl,\n\nPlease find attached Statement of Work")
    assert "<strong>Statement of Work SOW-" in mail.payload["html"] and "GitLab Inc." in mail.payload["html"]
