"""The dashboard's figures count what the reader may see, and each chart endpoint answers the
numbers the page draws; only the roles given the dashboard open it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.insights.charts import chart_config
from psdesk.insights.selectors import CHARTS, figure_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(frozen_clock: Any, make_account: Any) -> None:
    acme, fed = make_account("Acme Corp"), make_account("Federal Agency", pubsec=True)
    for account, close, ps, edu in (
        (acme, date(2026, 10, 15), "100000", "20000"),
        (acme, date(2026, 11, 2), "50000", "0"),
        (fed, date(2026, 10, 20), "500000", "0"),
    ):
        Opportunity.objects.create(
            name=f"{account.name} {close}",
            account=account,
            stage=OpportunityStage.CLOSED_WON,
            close_date=close,
            ps_value=Decimal(ps),
            education_value=Decimal(edu),
            stage_changed_at=datetime(2026, 11, 1, tzinfo=UTC),
        )


def _month(figure: Any, month: str) -> list[float]:
    i = figure.labels.index(month)
    return [s.data[i] for s in figure.series]


def test_bookings_count_pubsec_deals_only_for_members(people: Any, bookings: None, pat_leads: Any) -> None:
    leo = figure_get(user=people.leo, chart="bookings-by-month")
    assert leo.labels[-1] == "2026-11" and len(leo.labels) == 12
    assert _month(leo, "2026-10") == [100000.0, 20000.0]
    assert _month(leo, "2026-11") == [50000.0, 0.0]
    pat = figure_get(user=pat_leads, chart="bookings-by-month")
    assert _month(pat, "2026-10") == [600000.0, 20000.0]


def test_margin_distribution_bins_agreed_estimates_and_lists_the_ones_below_target(
    people: Any, frozen_clock: Any, make_engagement: Any
) -> None:
    from psdesk.estimates.models import EstimateVersion
    from psdesk.estimates.testing import estimate_seed_agreed, estimate_seed_shared

    low, good, draft = make_engagement(), make_engagement(), make_engagement()
    v = estimate_seed_agreed(low)
    EstimateVersion.objects.filter(pk=v.pk).update(margin=Decimal("0.3100"))
    estimate_seed_agreed(good)  # 40 %: on target
    estimate_seed_shared(draft)  # shared, not agreed: not counted
    fig = figure_get(user=people.leo, chart="margin-distribution")
    counts = dict(zip(fig.labels, fig.series[0].data, strict=True))
    assert counts["30 to 40 %"] == 1 and counts["40 to 50 %"] == 1 and sum(counts.values()) == 2
    assert [r["engagement_id"] for r in fig.listed] == [low.pk]
    assert fig.listed[0]["margin"] == "31.0%"
    assert fig.target == 40.0
    colours = chart_config(fig)["data"]["datasets"][0]["backgroundColor"]
    assert colours[fig.labels.index("30 to 40 %")] != colours[fig.labels.index("40 to 50 %")]


def test_start_lead_measures_business_days_from_closed_won_to_start_and_lists_the_waiting(
    people: Any, frozen_clock: Any, make_account: Any
) -> None:
    from psdesk.scheduling.choices import DemandKind, ServiceType
    from psdesk.scheduling.models import QueueEntry

    acme = make_account()
    won = datetime(2026, 9, 15, 14, tzinfo=UTC)  # a Tuesday, no holiday that week
    QueueEntry.objects.create(
        title="Started",
        account=acme,
        kind=DemandKind.COMMITTED,
        service_type=ServiceType.MIGRATION,
        closed_won_at=won,
        committed_start=date(2026, 9, 22),  # the next Tuesday: 5 business days
    )
    QueueEntry.objects.create(title="Waiting", account=acme, kind=DemandKind.COMMITTED, closed_won_at=won)
    fig = figure_get(user=people.leo, chart="start-lead")
    assert _month(fig, "2026-09") == [5.0, 5.0]
    assert fig.rows == [{"service_type": "SCM migration", "projects": 1, "median": 5.0, "p80": 5.0}]
    assert [r["waiting"] for r in fig.listed] == ["Waiting"]


@pytest.mark.parametrize("chart", CHARTS)
def test_each_chart_endpoint_answers_the_figure_the_page_draws(
    api: Any, people: Any, bookings: None, chart: str
) -> None:
    r = api("leo").get(f"/api/v1/insights/charts/{chart}")
    assert r.status_code == 200, r.content
    body = r.json()
    fig = figure_get(user=people.leo, chart=chart)
    assert body["labels"] == fig.labels
    assert [s["data"] for s in body["series"]] == [s.data for s in fig.series]
    drawn = chart_config(fig)["data"]["datasets"]
    assert [d["data"] for d in drawn[: len(fig.series)]] == [s["data"] for s in body["series"]]


@pytest.mark.parametrize("username", ["olga", "erin", "alice", "cody"])
def test_roles_without_the_dashboard_get_403_from_page_and_api(
    client: Any, api: Any, people: Any, username: str
) -> None:
    assert api(username).get("/api/v1/insights/charts/bookings-by-month").status_code == 403
    client.force_login(people[username])
    assert client.get("/dashboard/").status_code == 403


def test_an_unknown_chart_is_422_and_the_dashboard_opens_for_leadership_and_ps_ops(
    client: Any, api: Any, people: Any, bookings: None
) -> None:
    r = api("leo").get("/api/v1/insights/charts/no-such-chart")
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    for username in ("leo", "oscar"):
        client.force_login(people[username])
        page = client.get("/dashboard/")
        assert page.status_code == 200
        html = page.content.decode()
        assert all(f'data-chart="chart-{c}"' in html for c in CHARTS)
        assert "Federal Agency" not in html
