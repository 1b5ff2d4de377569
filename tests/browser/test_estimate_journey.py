"""The estimate journey: an EM edits the calculator's draft, shares it, the customer opens the link in a
fresh browser (no login), agrees, and the EM moves the card on to SOW WIP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.estimates.models import CustomerFeedback, EstimateVersion
from psdesk.estimates.services import LineData, estimate_version_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rate_card() -> None:
    # Transactional tests flush the migration seeds: put back the rates this journey prices with.
    from psdesk.catalog.models import ListRate, StandardCostRate

    ListRate.objects.get_or_create(currency="USD", defaults={"rate": Decimal("330.00")})
    for role in ("PSE", "PM"):
        StandardCostRate.objects.get_or_create(
            role=role, year=2000, quarter=1, defaults={"annual_ote": Decimal("160000"), "benefits": Decimal("28000")}
        )


def test_edit_share_customer_agrees_and_the_card_moves_to_sow_wip(
    page: Any, browser: Any, live_server: Any, login: Any, people: Any, make_engagement: Any
) -> None:
    _rate_card()
    eng = make_engagement(title="Acme Corp - Scope Issue and Write SOW")
    Engagement.objects.filter(pk=eng.pk).update(state=S.STRAWMAN_WIP)
    draft = estimate_version_create(  # what "Create v1 from the calculator draft" produces
        engagement_id=eng.pk,
        actor=people.erin,
        lines=[
            LineData("Kick-off and planning", "PM", Decimal("8"), provenance=("rule:kickoff",)),
            LineData("Install GitLab", "PSE", Decimal("40"), provenance=("ssot:users", "rule:ra3k")),
        ],
    )
    login(page, "erin")
    base = f"{live_server.url}/estimates/engagements/{eng.pk}/versions/{draft.pk}/"
    page.goto(base)
    assert page.locator("#total-price").inner_text() == "USD 15,840.00"

    # Edit the draft: more install hours, one hand-written line, an assumption.
    page.get_by_label("Hours 2", exact=True).fill("48")
    page.get_by_label("New activity 1").fill("Runbook hand-over")
    page.get_by_label("New hours 1").fill("4")
    page.locator("textarea[name=assumptions]").fill("Customer provides the VMs")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(base)
    assert page.locator("#total-price").inner_text() == "USD 19,800.00"  # 60 h x 330

    # Share: the version freezes and a customer link appears once.
    page.get_by_role("button", name="Share with customer").click()
    link = page.locator("#share-url").get_attribute("href")
    assert link and "/review/" in link
    assert page.locator("#edit-form").count() == 0

    # The customer, in a fresh browser context with no session, reviews and agrees.
    customer = browser.new_context()
    cpage = customer.new_page()
    cpage.goto(link)
    assert cpage.locator("#total").inner_text() == "USD 19,800.00"
    body = cpage.locator("body").inner_text()
    assert "Runbook hand-over" in body and "Customer provides the VMs" in body
    assert "cost" not in body.lower() and "margin" not in body.lower()
    form = cpage.locator("#agree-form")
    form.get_by_label("Your name").fill("Carol Customer")
    form.get_by_label("Email").fill("carol@acme.example")
    form.get_by_role("button", name="We agree to this price and scope").click()
    cpage.locator(".agreed").wait_for()
    customer.close()
    agreement = CustomerFeedback.objects.get(kind="agreement")
    assert (agreement.version_id, agreement.name) == (draft.pk, "Carol Customer")
    assert AuditEvent.objects.filter(verb="estimates.customer_agreed", target_id=str(eng.pk)).count() == 1

    # Back on the board the EM moves the card on: Estimate Feedback, then SOW WIP.
    page.goto(f"{live_server.url}/")
    card = page.locator(f"#card-{eng.pk}")
    card.drag_to(page.locator('.column[data-state="estimate_feedback"] .cards'))
    page.locator(f'.column[data-state="estimate_feedback"] #card-{eng.pk}').wait_for()
    page.locator(f"#card-{eng.pk}").drag_to(page.locator('.column[data-state="sow_wip"] .cards'))
    page.locator(f'.column[data-state="sow_wip"] #card-{eng.pk}').wait_for()
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP
    assert EstimateVersion.objects.get(pk=draft.pk).status == "shared"
    assert AuditEvent.objects.filter(verb="board.start_sow", target_id=str(eng.pk)).count() == 1
