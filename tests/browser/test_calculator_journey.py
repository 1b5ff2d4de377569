"""Main journey of the Services Calculator: an SA scopes a brand-new customer (new account, new
PS-only opportunity, new parent licence opportunity) with every intake field filled, Timezone
included; the EM answers the SSOT table in one go per service type; the card sits in Open linked to
its opportunity."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.steps import calculator_new_customer, responses_watch, ssot_answer_and_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERY_INTAKE_FIELD: dict[str, str | bool] = {
    "start_window_from": "2027-01-11",
    "start_window_to": "2027-02-26",
    "delivery_mode": "hybrid",
    "timezone": "Europe/Berlin",
    "pricing_model": "fixed_fee",
    "partner_staffing_allowed": "no",
    "skills_needed": "Geo, Congregate",
    "us_citizenship_required": True,
    "clearance_required": "Secret",
    "security_requirements": "VPN and named accounts",
    "customer_readiness": "Hardware ordered",
    "contact_technical_name": "Ada Byron",
    "contact_technical_email": "ada@initrode.example",
    "contact_executive_name": "Grace Hopper",
    "contact_executive_email": "grace@initrode.example",
    "contact_signer_name": "Alan Turing",
    "contact_signer_email": "alan@initrode.example",
}


def test_sam_scopes_a_brand_new_customer_and_erin_answers_the_ssot_in_one_go(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any
) -> None:
    from psdesk.scoping.questionnaires import questionnaires_ensure

    questionnaires_ensure()  # transactional tests flush the seeded questionnaires
    make_account("Acme Corp", em=people.erin)  # a territory of erin's: "T-erin"
    bad = responses_watch(page)

    login(page, "sam")
    eng_id = calculator_new_customer(
        page,
        live_server,
        name="Initrode",
        territory="T-erin",
        segment="Ent_EMEA",
        country="DE",
        subdivision="BY",
        timezone="Europe/Berlin",
        service_types=["implementation", "scm_migration"],
        parent_name="Initrode - Ultimate",
        parent_amount="120000.00",
        close_date="2027-03-31",
        answers={
            "implementation.users": "3250",
            "implementation.geo": "yes",
            "implementation.integrations": "3",
            "scm_migration.source_scm": ["Bitbucket Server", "GitLab self-managed"],
            "scm_migration.destination": "GitLab.com SaaS",
        },
        intake=EVERY_INTAKE_FIELD,
    )
    assert page.locator("h1").inner_text() == "Initrode - Scope Issue and Write SOW"
    assert page.locator("#scoping-opportunity").inner_text().startswith("Initrode- Professional Services")
    assert page.locator("#i__timezone").input_value() == "Europe/Berlin"
    assert page.locator("#i__contact_signer_email").input_value() == "alan@initrode.example"
    assert page.locator("#i__skills_needed").input_value() == "Geo, Congregate"
    assert "+24 h because integrations = 3 (8 h each)" in page.locator("#draft-estimate").inner_text()
    page.click("#scoping-opportunity")
    page.locator("#opportunity-engagements").wait_for()
    assert "Initrode - Scope Issue and Write SOW" in page.locator("#opportunity-engagements").inner_text()
    assert "Initrode - Ultimate" in page.locator("main, body").first.inner_text()
    assert "(sam)" in page.locator("#account-team").inner_text()
    page.context.clear_cookies()

    login(page, "erin")
    page.goto(f"{live_server.url}/scoping/engagements/{eng_id}/")
    assert page.locator("form.ssot-save, button.ssot-save").count() == 2  # one Save per service type
    todo = page.locator('form[data-service-type="scm_migration"] tr.todo')
    assert todo.count() == 2  # users and repositories are still to-do (highlighted)
    ssot_answer_and_save(
        page,
        live_server,
        engagement_id=eng_id,
        service_type="scm_migration",
        answers={
            "source_scm": ["GitHub.com"],
            "users": "1000",
            "repositories": "1234",
            "large_repos": "3",
            "reorganisation": "no",
        },
    )
    assert "Saved 5 answers." in page.locator(".messages").inner_text()
    assert page.locator('form[data-service-type="scm_migration"] tr.todo').count() == 0
    assert "+16 h because large_repos = 3 (2 per day)" in page.locator("#draft-estimate").inner_text()
    row = page.locator('tr[data-key="scm_migration.source_scm"]')
    assert row.locator('input[value="GitHub.com"]').is_checked()
    assert row.locator('input[value="Bitbucket Server"]').is_checked()

    page.goto(f"{live_server.url}/")
    card = page.locator(f'.column[data-state="open"] #card-{eng_id}')
    card.wait_for()
    assert "Engagement Manager erin" in card.inner_text()
    page.goto(f"{live_server.url}/engagements/{eng_id}/")
    assert page.locator("#engagement-opportunity").inner_text().startswith("Initrode- Professional Services")
    assert bad == []
