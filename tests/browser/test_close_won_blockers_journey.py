"""Closing won a standard order while an open custom engagement sits on the opportunity, in the
browser: rita is told which engagement blocks it, moves it to its own opportunity from the
opportunity page, then closes the order won; the card stays open on its new opportunity."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_blocking_engagement_moves_to_its_own_opportunity_then_the_order_closes_won(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any
) -> None:
    from psdesk.catalog.demo import catalog_seed
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create
    from psdesk.engagements.services import engagement_create
    from psdesk.quotes.services import quote_create, quote_line_add, quote_transition

    catalog_seed()
    acc = make_account("Hooli", em=people.emil)
    lic = opportunity_create(actor=people.alice, account=acc, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=acc, parent=lic)
    card = engagement_create(
        account=acc, actor=people.sam, opportunity=opp, title="Hooli - Scope Issue and Write SOW (phase 2)"
    )
    q = quote_create(opportunity_id=opp.pk, actor=people.alice)
    quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-JIRA")
    quote_transition(quote_id=q.pk, action="send", actor=people.alice)
    quote_transition(
        quote_id=q.pk, action="mark_signed", actor=people.alice, signer_name="Gavin", signed_on=date(2026, 11, 26)
    )

    login(page, "rita")
    page.goto(f"{live_server.url}/crm/opportunities/{opp.pk}/")
    why = page.locator("#why-close_won")
    assert "phase 2" in why.inner_text() and "its own opportunity" in why.inner_text()
    blockers = page.locator("#close-won-blockers")
    assert "Hooli - Scope Issue and Write SOW (phase 2)" in blockers.inner_text()
    blockers.get_by_role("button", name="Move it to its own opportunity").click()
    page.wait_for_selector("text=moved to its own opportunity")
    assert page.locator("#close-won-blockers").count() == 0
    page.get_by_role("button", name="Close won").click()
    page.wait_for_selector("#stage:has-text('Closed Won')")
    assert Opportunity.objects.get(pk=opp.pk).stage == OpportunityStage.CLOSED_WON
    moved = Engagement.objects.get(pk=card.pk)
    assert moved.state == EngagementStatus.OPEN and moved.opportunity_id != opp.pk
