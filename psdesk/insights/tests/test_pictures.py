"""The queue's lead-time history and the capacity heat map's cells (scheduling/selectors/pictures.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_lead_time_history_keeps_each_weeks_last_run_and_leaves_weeks_without_a_run_empty(
    frozen_clock: Any, api: Any
) -> None:
    from psdesk.scheduling.models import ForecastRun, LeadTime
    from psdesk.scheduling.selectors import lead_time_history

    def run(at: datetime, median: str) -> None:
        r = ForecastRun.objects.create(
            created_at=at, week0=at.date(), horizon_weeks=26, samples=200, seed=1, meta={}, blob=b""
        )
        LeadTime.objects.create(
            run=r, service_type="migration", median_weeks=Decimal(median), p80_weeks=Decimal("9.0"), projects=3
        )

    run(datetime(2026, 11, 16, 9, tzinfo=UTC), "3.0")  # Monday of the week before
    run(datetime(2026, 11, 18, 9, tzinfo=UTC), "4.0")  # the same week, later: wins
    run(datetime(2026, 1, 5, 9, tzinfo=UTC), "7.0")  # older than 26 weeks: left out
    h = lead_time_history(weeks=26)
    assert h["labels"][-1] == "2026-11-23" and len(h["labels"]) == 26 and h["runs"] == 1
    p50, p80 = h["series"]
    assert p50["label"] == "SCM migration P50" and p50["data"][-2] == 4.0 and p50["data"][-1] is None
    assert p80["data"][-2] == 9.0
    assert api("leo").get("/api/v1/insights/lead-times").json()["series"][0]["data"] == p50["data"]
    assert api("olga").get("/api/v1/insights/lead-times").status_code == 403


def test_heat_cells_shade_free_hours_in_five_levels_with_a_tooltip_per_cell() -> None:
    from psdesk.scheduling.selectors import heat_cells

    weeks = [(date(2026, 11, 30) + timedelta(weeks=i)).isoformat() for i in range(3)]
    cells = heat_cells({"weeks": weeks, "peak": 100, "rows": [{"skill": "geo", "free": [0, 50, 100]}]})
    row = cells["rows"][0]
    assert [c["level"] for c in row["cells"]] == [0, 2, 4]
    assert row["cells"][1]["title"] == "geo, week of 2026-12-07: 50 h free"
    assert [entry["text"] for entry in cells["legend"]][:2] == ["none", "20 to 40 h"]


def test_capacity_demand_is_404_before_the_first_forecast(api: Any) -> None:
    r = api("leo").get("/api/v1/insights/capacity-demand")
    assert r.status_code == 404 and r.json()["code"] == "no_forecast"
