from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from psdesk.board.services import engagement_transition
from psdesk.core import clock

pytestmark = pytest.mark.django_db


def test_cycle_time_counts_business_days_per_column_and_wip_age(
    people: Any, api: Any, make_account: Any, make_engagement: Any
) -> None:
    # New York calendar: Thu 26 Nov 2026 is Thanksgiving, weekends are off.
    with clock.frozen(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)) as fc:  # Mon 10:00 NY
        a = make_engagement(make_account("A"))
        b = make_engagement(make_account("B"))
        fc.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # Tue: A leaves Open after 1 business day
        engagement_transition(engagement_id=a.pk, action="triage", actor=people.erin)
        fc.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # next Mon: B after Mon,Tue,Wed,Fri = 4 days
        engagement_transition(engagement_id=b.pk, action="triage", actor=people.erin)
        fc.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # Tue
        rows = {r["state"]: r for r in api("erin").get("/api/v1/board/metrics").json()}
    assert rows["open"]["samples"] == 2
    assert (rows["open"]["median_days"], rows["open"]["p80_days"]) == (1.0, 4.0)
    # both now in Awaiting Discovery: A since Tue 24 (4 business days), B since Mon 30 (1 day)
    assert rows["awaiting_discovery"]["wip"] == 2
    assert rows["awaiting_discovery"]["wip_median_age_days"] == 1.0
    assert "closed_won" not in rows


def test_pubsec_cards_do_not_count_for_non_members(
    people: Any, api: Any, make_account: Any, make_engagement: Any
) -> None:
    make_engagement(make_account("Agency", pubsec=True), em="pat", path=("triage",))
    erin = {r["state"]: r for r in api("erin").get("/api/v1/board/metrics").json()}
    pat = {r["state"]: r for r in api("pat").get("/api/v1/board/metrics").json()}
    assert erin["open"]["samples"] == 0 and pat["open"]["samples"] == 1
    assert api("olga").get("/api/v1/board/metrics").status_code == 403
    assert api("erin").get("/api/v1/board/metrics", days=0).status_code == 422


def test_the_metrics_page_draws_the_chart(people: Any, make_engagement: Any) -> None:
    from django.test import Client

    make_engagement(path=("triage",))
    c = Client()
    c.force_login(people.erin)
    html = c.get("/board/metrics/").content.decode()
    assert "Cycle time per column" in html and '<tr data-state="open">' in html and "<svg" in html
