"""Forecast journey: an EM asks "what is our lead time?" for an open engagement (a what-if that saves
nothing), the deal closes won and the project enters the queue, and the coordinator can commit a
start date only with an explicit confirmation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.scheduling import services
from psdesk.scheduling.models import Consultant, ConsultantSkill, ForecastRun, QueueEntry, Skill
from psdesk.scheduling.role_hours import LineIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_whatif_on_an_open_engagement_then_the_queue_after_closed_won(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any, make_engagement: Any
) -> None:
    geo = Skill.objects.create(name="geo")
    for name, role in (("Pia", "PSE"), ("Quinn", "PSE"), ("Max", "PM")):
        c = Consultant.objects.create(
            name=name, email=f"{name}@example.com", role=role, weekly_capacity_hours=Decimal(40)
        )
        ConsultantSkill.objects.create(consultant=c, skill=geo, level=3)
    acc = make_account("Initech")
    opp = Opportunity.objects.create(name="Initech PS", account=acc, stage=OpportunityStage.NEGOTIATING)
    eng = make_engagement(acc, opportunity=opp, title="Initech - Scope Issue and Write SOW")
    services.forecast_run()
    runs = ForecastRun.objects.count()

    login(page, "erin")
    page.goto(f"{live_server.url}/scheduling/whatif/?engagement_id={eng.pk}")
    page.fill("input[name=hours_PSE]", "120")
    page.fill("input[name=skill_PSE]", "geo")
    page.fill("input[name=level_PSE]", "3")
    page.fill("input[name=hours_PM]", "20")
    page.click("#whatif-form button[type=submit]")
    answer = page.locator("#whatif-answer")
    answer.wait_for()
    assert answer.locator(".customer-text").inner_text().startswith("Forecast: start likely in the week of")
    assert DATE.fullmatch(answer.locator(".p50").inner_text())
    assert QueueEntry.objects.count() == 0 and ForecastRun.objects.count() == runs  # nothing saved

    # the deal closes won; the project enters the queue and the worker recomputes
    Opportunity.objects.filter(pk=opp.pk).update(stage=OpportunityStage.CLOSED_WON)
    entry = services.queue_enter(
        role_hours=[LineIn("PSE", 120, None, {"geo": 3}), LineIn("PM", 20)],
        engagement=eng,
        closed_won_at=datetime.now(UTC),
        actor=people.paula,
    )
    services.forecast_run()

    page.context.clear_cookies()  # erin logs out; the coordinator logs in
    login(page, "paula")
    page.goto(f"{live_server.url}/scheduling/")
    row = page.locator(f'#queue tr[data-entry="{entry.pk}"]')
    assert row.locator("td").first.inner_text() == "1"
    assert DATE.fullmatch(row.locator(".p50").inner_text())
    assert row.locator(".binding").inner_text() == "no wait: the capacity it needs is free now"
    row.locator("a").click()
    assert "Forecast: week of" in page.locator("#customer-text").inner_text()

    page.click("#commit-form button[type=submit]")  # no confirmation ticked
    assert (
        page.locator(".refusal").inner_text() == "A coordinator (ps-scheduling) must confirm the start date explicitly."
    )
    assert QueueEntry.objects.get(pk=entry.pk).committed_start is None

    page.check("#commit-form input[name=confirm]")
    page.fill("#commit-form input[name=start]", "2027-01-11")
    page.click("#commit-form button[type=submit]")
    page.locator("#customer-text", has_text="Start committed: 2027-01-11").wait_for()
    assert QueueEntry.objects.get(pk=entry.pk).committed_start == date(2027, 1, 11)
