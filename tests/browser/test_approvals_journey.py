"""Approvals as a sequence in the card drawer (docs/howto/sla-and-approvals.md): PS Leadership and
Revenue are not offered while the card is in SOW WIP; the EM submits, asks both, two approvers
decide and the card moves to Approved by itself; the drawer shows who, when and on which SOW version
and the timeline reads as sentences."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def card(people: Any, make_engagement: Any, settings: Any, tmp_path: Any) -> Engagement:
    """erin's card in SOW WIP with an agreed estimate, RDM approved and SOW v1 generated and reviewed."""
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create
    from psdesk.engagements.services import engagement_label_set
    from psdesk.sows import services as sows
    from psdesk.sows.tests.conftest import make_estimate

    settings.MEDIA_ROOT = str(tmp_path / "media")
    eng = make_engagement(title="Acme Corp - Scope Issue and Write SOW", description="Stand up GitLab.")
    lic = opportunity_create(actor=people.alice, account=eng.account, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=eng.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
    eng.refresh_from_db()
    make_estimate(eng)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    v = sows.sow_generate(engagement_id=eng.pk, actor=people.erin)
    sows.sow_review_record(sow_id=v.sow_id, actor=people.erin)
    return eng


def _row(page: Any, kind: str) -> Any:
    return page.locator(f'tr[data-kind="{kind}"]')


def test_final_approvals_come_after_submit_and_the_drawer_shows_who_when_and_the_version(
    page: Any, live_server: Any, login: Any, card: Engagement
) -> None:
    url = f"{live_server.url}/engagements/{card.pk}/"
    login(page, "erin")
    page.goto(url)
    for kind in ("ps_leadership", "revenue"):  # SOW WIP: not offered yet, and the drawer says why
        assert _row(page, kind).locator("button").count() == 0
        assert "Submit it for approval first." in _row(page, kind).inner_text()
    with page.expect_navigation(), page.expect_response(lambda r: r.url.endswith("/move")):
        page.click('form.move-form:has(input[name="action"][value="submit_for_approval"]) button[type="submit"]')
    page.wait_for_selector(".column-name:has-text('Ready For Approval')")
    assert "Moves to Approved automatically once PS Leadership and Revenue approve" in page.inner_text(".automatic")
    for kind in ("ps_leadership", "revenue"):
        _row(page, kind).locator('button:has-text("Request")').click()
        page.wait_for_selector(f'tr[data-kind="{kind}"][data-state="pending"]')
        assert "asked by erin" in _row(page, kind).inner_text()
    for who, kind in (("leo", "ps_leadership"), ("rita", "revenue")):
        page.context.clear_cookies()
        login(page, who)
        page.goto(url)
        _row(page, kind).locator('button:has-text("Approve")').click()
        page.wait_for_selector(f'tr[data-kind="{kind}"][data-state="approved"]')
    page.goto(url)
    assert page.inner_text(".column-name").startswith("Approved")
    assert "proposal::Approved" in page.inner_text(".column-name .scoped-label")
    lead = _row(page, "ps_leadership")
    assert lead.locator("td.on").inner_text() == "SOW v1"
    assert "leo (PS Leadership)" in lead.locator("td.who").inner_text()
    assert lead.locator("td.who time").count() == 1
    assert "rita (Revenue / Deal Desk)" in _row(page, "revenue").locator("td.who").inner_text()
    assert "rory (Regional Delivery Manager)" in _row(page, "rdm_review").locator("td.who").inner_text()
    timeline = page.inner_text("ol.timeline")
    assert "PS Desk moved this from Ready For Approval to Approved automatically" in timeline
    assert "rita approved the Revenue approval (the card was in Ready For Approval)" in timeline
    assert "erin moved this from SOW WIP to Ready For Approval" in timeline
    assert "{'state'" not in timeline and "board.approve" not in timeline
    assert Engagement.objects.get(pk=card.pk).state == S.APPROVED
    assert AuditEvent.objects.filter(verb="board.approve", target_id=str(card.pk)).count() == 1


def test_an_approver_cannot_approve_their_own_request_and_sees_why(
    page: Any, live_server: Any, login: Any, people: Any, make_engagement: Any
) -> None:
    from django.contrib.auth.models import Group

    people.leo.groups.add(Group.objects.get(name="engagement_manager"))  # an EM who is also PS Leadership
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    url = f"{live_server.url}/engagements/{eng.pk}/"
    login(page, "leo")
    page.goto(url)
    page.click('tr[data-kind="ps_leadership"] button:has-text("Request")')
    page.click('tr[data-kind="ps_leadership"] button:has-text("Approve")')
    page.wait_for_selector(".messages li")
    assert page.inner_text(".messages li") == "You requested this approval; someone else must decide it."
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL
