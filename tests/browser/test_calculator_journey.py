"""Main journey of the Services Calculator: an SA scopes a combined implementation + migration
request, lands on the SSOT page with the draft estimate, and the new card is on the board in Open."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.engagements.models import Engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_sa_runs_the_calculator_and_the_new_card_appears_on_the_board(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any
) -> None:
    from psdesk.scoping.questionnaires import questionnaires_ensure

    questionnaires_ensure()  # transactional tests flush the seeded questionnaires
    acme = make_account("Acme Corp", em=people.erin)
    login(page, "sam")
    page.goto(f"{live_server.url}/scoping/calculator/")
    page.select_option("#account_id", str(acme.pk))
    page.check('input[name="service_types"][value="implementation"]')
    page.check('input[name="service_types"][value="scm_migration"]')
    page.click("#calc-step1 button[type=submit]")

    page.locator('fieldset[data-service-type="scm_migration"]').wait_for()
    page.fill("#a__implementation__users", "3250")
    page.select_option("#a__implementation__geo", "yes")
    page.fill("#a__implementation__integrations", "3")
    page.select_option("#a__scm_migration__destination", "GitLab.com SaaS")
    page.fill("#a__scm_migration__repositories", "1234")
    page.fill("#a__scm_migration__large_repos", "3")
    page.select_option('select[name="i__pricing_model"]', "fixed_fee")
    page.click("#create-scoping-issue")

    page.wait_for_url(f"{live_server.url}/scoping/engagements/*/")
    eng = Engagement.objects.get()
    assert page.locator("h1").inner_text() == "Acme Corp - Scope Issue and Write SOW"
    lines = page.locator("#draft-estimate")
    assert "+16 h because large_repos = 3 (2 per day)" in lines.inner_text()
    assert "+24 h because integrations = 3 (8 h each)" in lines.inner_text()

    row = page.locator('#ssot-table tr[data-key="implementation.integrations"]')
    row.locator('input[name="response"]').fill("5")
    row.locator("button[type=submit]").click()
    diff = page.locator("#estimate-diff")
    diff.wait_for()
    assert "+16 h" in diff.locator("h2").inner_text()

    page.goto(f"{live_server.url}/")
    card = page.locator(f'.column[data-state="open"] #card-{eng.pk}')
    card.wait_for()
    assert "Acme Corp - Scope Issue and Write SOW" in card.inner_text()
    assert "Engagement Manager erin" in card.inner_text()
