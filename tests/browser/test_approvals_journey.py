"""Ready For Approval → Approved with two approvers, in the card drawer (docs/process.md, Approvals)."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_em_requests_and_two_approvers_move_the_card_to_approved(
    page: Any, live_server: Any, login: Any, make_engagement: Any
) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL, title="Acme Corp - Scope Issue and Write SOW")
    url = f"{live_server.url}/engagements/{eng.pk}/"
    login(page, "erin")
    page.goto(url)
    for kind in ("ps_leadership", "revenue"):
        page.click(f'tr[data-kind="{kind}"] button:has-text("Request")')
        page.wait_for_selector(f'tr[data-kind="{kind}"] td.state:has-text("pending")')
    for who, kind in (("leo", "ps_leadership"), ("rita", "revenue")):
        page.context.clear_cookies()
        login(page, who)
        page.goto(url)
        page.click(f'tr[data-kind="{kind}"] button:has-text("Approve")')
        page.wait_for_selector(f'tr[data-kind="{kind}"] td.state:has-text("approved")')
    page.goto(url)
    assert "proposal::Approved" in page.content()
    assert Engagement.objects.get(pk=eng.pk).state == S.APPROVED
    assert AuditEvent.objects.filter(verb="board.approve", target_id=str(eng.pk)).count() == 1


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
