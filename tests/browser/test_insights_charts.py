"""Every chart page draws every chart with the numbers its data endpoint answers (issue 19): the
PS Leadership dashboard, the delivery queue's lead-time history and the capacity page's per-role
charts and heat map; and the API docs render from vendored files with every non-loopback request
blocked. PSDESK_SCREENSHOTS=1 writes docs/img/dashboard.png and docs/img/queue-charts.png."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.browser.steps import responses_watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def history(frozen_clock: Any, people: Any, make_account: Any, make_engagement: Any) -> None:
    """Consultants, a queue and a forecast run (the scheduling demo), then the insights demo's year
    of history — the smallest data set with something on every chart."""
    from psdesk.core.demo import DemoContext
    from psdesk.crm.models import Opportunity
    from psdesk.insights import demo as insights_demo
    from psdesk.scheduling import demo as scheduling_demo

    ctx = DemoContext()
    ctx.objects["users"] = dict(people)
    ctx.objects["accounts"] = [make_account(f"Customer {i}", em=people.erin) for i in range(4)]
    scheduling_demo.load(ctx)
    insights_demo.history_load(ctx, deals=14, suffix="")
    for i, account in enumerate(ctx.objects["accounts"][:2]):  # open pipeline on the board
        opp = Opportunity.objects.create(name=f"Deal {i}", account=account, ps_value=Decimal(40_000 * (i + 1)))
        make_engagement(account, opportunity=opp, path=("triage",) * i)


def _offline(page: Any) -> list[str]:
    """Abort every request that leaves the machine; return the list of what was tried."""
    tried: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")):
            r.continue_()
        else:
            tried.append(url)
            r.abort()

    page.route("**/*", route)
    return tried


def _drawn(page: Any) -> dict[str, list[dict[str, Any]]]:
    """Each chart's drawn datasets ({label, data}) by canvas id, once every canvas says it is drawn."""
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c.dataset.rendered)")
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map(c => {
             const chart = window.psdeskCharts[c.dataset.chart];
             return [c.dataset.chart, chart.data.datasets.map(d => ({label: d.label, data: d.data}))];
           }))"""
    )


def _screenshot(page: Any, name: str) -> None:
    if os.environ.get("PSDESK_SCREENSHOTS") != "1":
        return
    IMG.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(IMG / f"{name}.png"), full_page=False)
    assert (IMG / f"{name}.png").stat().st_size < 300_000


def test_every_chart_draws_the_numbers_of_its_endpoint_and_the_api_docs_work_offline(
    page: Any, live_server: Any, login: Any, history: None
) -> None:
    from psdesk.insights.selectors import CHARTS

    bad = responses_watch(page)
    tried = _offline(page)
    login(page, "leo")

    # the dashboard, from the navigation
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    drawn = _drawn(page)
    assert sorted(drawn) == sorted(f"chart-{c}" for c in CHARTS)
    for chart in CHARTS:
        answer = page.request.get(f"{live_server.url}/api/v1/insights/charts/{chart}").json()
        series = [{"label": s["label"], "data": s["data"]} for s in answer["series"]]
        assert drawn[f"chart-{chart}"][: len(series)] == series, chart
        assert any(v for s in series for v in s["data"]), f"{chart} has nothing to show"
        assert int(page.locator(f'canvas[data-chart="chart-{chart}"]').get_attribute("data-rendered") or 0) > 0
    assert page.locator("#below-target tbody tr").count() >= 1
    assert page.locator("#waiting tbody tr").count() >= 1
    _screenshot(page, "dashboard")

    # the queue's lead-time history: 26 weekly points per series, as the endpoint answers
    page.goto(f"{live_server.url}/scheduling/")
    drawn = _drawn(page)
    answer = page.request.get(f"{live_server.url}/api/v1/insights/lead-times").json()
    assert len(answer["labels"]) == 26 and answer["series"]
    assert drawn["chart-lead-times"] == [{"label": s["label"], "data": s["data"]} for s in answer["series"]]
    page.locator("#lead-times").scroll_into_view_if_needed()
    _screenshot(page, "queue-charts")

    # capacity: one chart per role (committed, tentative, capacity) and a labelled heat map
    page.goto(f"{live_server.url}/scheduling/capacity/")
    drawn = _drawn(page)
    answer = page.request.get(f"{live_server.url}/api/v1/insights/capacity-demand").json()
    assert answer["roles"]
    for role in answer["roles"]:
        by_label = {d["label"]: d["data"] for d in drawn[f"chart-capacity-{role['role'].lower()}"]}
        assert by_label == {s["label"]: s["data"] for s in role["series"]}, role["role"]
        assert any(role["series"][0]["data"]), f"{role['role']} has no capacity"
    heat = page.locator("#heat")
    assert heat.locator("thead th.week").count() == len(answer["labels"])
    cell = heat.locator("tbody td").first
    assert "week of" in (cell.get_attribute("title") or "")
    assert page.locator(".heat-legend .heat-swatch").count() == 5

    # the API docs: Swagger UI from our own static files, nothing fetched from the internet
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=30_000)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("PS Desk API")
    page.click("#operations-tag-insights")  # this app's endpoints, documented
    page.wait_for_selector("#operations-insights-psdesk_insights_api_search")
    assert tried == []
    assert [b for b in bad if not b.endswith("/favicon.ico")] == []
