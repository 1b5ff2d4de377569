"""API and pages: permissions per role, PubSec 404s, the no-commit rule, what-if, bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.crm.choices import OpportunityStage
from psdesk.scheduling import services
from psdesk.scheduling.models import QueueEntry
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.tests.conftest import WON_AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any) -> dict[str, QueueEntry]:
    won = services.queue_enter(
        role_hours=[LineIn("PSE", 80, 40)],
        opportunity=won_opportunity("Acme"),
        closed_won_at=WON_AT,
        actor=people.paula,
        title="Acme rollout",
    )
    gov = services.queue_enter(
        role_hours=[LineIn("PSE", 40, 40)],
        opportunity=won_opportunity("Gov", pubsec=True),
        closed_won_at=WON_AT,
        actor=people.paula,
        title="Gov rollout",
    )
    pipe = services.queue_enter(
        role_hours=[LineIn("PSE", 40, 40)],
        opportunity=won_opportunity("Pipe", stage=OpportunityStage.NEGOTIATING),
        kind="tentative",
        actor=people.paula,
        title="Pipe deal",
    )
    services.forecast_run()
    return {"won": won, "gov": gov, "pipe": pipe}


def test_queue_lists_in_order_with_forecasts_and_hides_pubsec_from_non_members(api: Any, queued: Any) -> None:
    r = api("erin").get("/api/v1/scheduling/queue")
    assert r.status_code == 200
    body = r.json()
    assert [i["title"] for i in body["items"]] == ["Acme rollout", "Pipe deal"]
    first = body["items"][0]
    assert (first["position"], first["p50"], first["p80"]) == (1, "2026-11-23", "2026-11-23")
    assert first["customer_text"] == "Forecast: week of 23 Nov 2026 (P50), not a commitment"
    assert [i["position"] for i in body["items"]] == [1, 2]  # no gap where the PubSec project is
    pat = api("pat").get("/api/v1/scheduling/queue").json()
    assert [(i["title"], i["position"]) for i in pat["items"]] == [
        ("Acme rollout", 1),
        ("Gov rollout", 2),
        ("Pipe deal", 3),
    ]
    assert api("erin").get(f"/api/v1/scheduling/queue/{queued['pipe'].pk}").json()["position"] == 2
    assert api("erin").get(f"/api/v1/scheduling/queue/{queued['gov'].pk}").status_code == 404
    assert api("pat").get(f"/api/v1/scheduling/queue/{queued['gov'].pk}").status_code == 200


@pytest.mark.parametrize(("user", "status"), [("olga", 403), ("cody", 403), ("erin", 200), ("paula", 200)])
def test_who_may_read_the_queue(api: Any, queued: Any, user: str, status: int) -> None:
    assert api(user).get("/api/v1/scheduling/queue").status_code == status


def test_limit_is_bounded(api: Any, queued: Any) -> None:
    assert api("erin").get("/api/v1/scheduling/queue", limit=1000).status_code == 422


@pytest.mark.parametrize(("user", "status"), [("olga", 403), ("erin", 403), ("paula", 201)])
def test_who_may_enter_a_project(
    api: Any, people: Any, bench_team: Any, won_opportunity: Any, user: str, status: int
) -> None:
    opp = won_opportunity()
    r = api(user).post(
        "/api/v1/scheduling/queue",
        {
            "opportunity_id": opp.pk,
            "closed_won_at": "2026-11-20T10:00:00Z",
            "role_hours": [{"role": "PSE", "hours": "80"}],
        },
    )
    assert r.status_code == status, r.content
    assert QueueEntry.objects.count() == (1 if status == 201 else 0)


def test_entering_without_role_hours_says_the_forecast_needs_them(
    api: Any, bench_team: Any, won_opportunity: Any
) -> None:
    opp = won_opportunity()
    r = api("paula").post(
        "/api/v1/scheduling/queue", {"opportunity_id": opp.pk, "closed_won_at": "2026-11-20T10:00:00Z"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "no_role_hours"
    assert r.json()["message"] == "The forecast needs role-hours: give hours by role (e.g. PSE 120, PM 20)."


def test_committing_before_close_is_refused_over_the_api_and_changes_nothing(api: Any, queued: Any) -> None:
    pipe = queued["pipe"]
    audit_before = AuditEvent.objects.count()
    r = api("paula").post(f"/api/v1/scheduling/queue/{pipe.pk}/commit-start", {"start": "2027-01-04", "confirm": True})
    assert r.status_code == 409
    assert r.json()["message"] == (
        "A start date can be committed only once the opportunity is Closed Won; until then it is a forecast."
    )
    pipe.refresh_from_db()
    assert pipe.committed_start is None and AuditEvent.objects.count() == audit_before


def test_committing_needs_confirmation_over_the_api(api: Any, queued: Any) -> None:
    won = queued["won"]
    r = api("paula").post(f"/api/v1/scheduling/queue/{won.pk}/commit-start", {"start": "2027-01-04"})
    assert r.status_code == 409
    r = api("erin").post(f"/api/v1/scheduling/queue/{won.pk}/commit-start", {"start": "2027-01-04", "confirm": True})
    assert r.status_code == 403
    r = api("paula").post(f"/api/v1/scheduling/queue/{won.pk}/commit-start", {"start": "2027-01-04", "confirm": True})
    assert r.status_code == 200
    assert r.json()["customer_text"] == "Start committed: 2027-01-04"
    assert AuditEvent.objects.filter(target_id=str(won.pk), verb="queue_entry.commit_start").count() == 1


def test_whatif_answers_from_the_cache_and_rejects_no_hours(api: Any, queued: Any) -> None:
    r = api("erin").post(
        "/api/v1/scheduling/whatif", {"role_hours": [{"role": "PSE", "hours": "40", "weekly_hours": "40"}]}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["p50"] <= body["p80"] and body["samples"] == 200
    assert body["customer_text"].startswith("Forecast: start likely in the week of")
    r = api("erin").post("/api/v1/scheduling/whatif", {"role_hours": []})
    assert r.status_code == 422 and r.json()["code"] == "no_role_hours"
    r = api("erin").post(
        "/api/v1/scheduling/whatif", {"role_hours": [{"role": "PSE", "hours": "4", "skills": {"cobol": 2}}]}
    )
    assert r.status_code == 422 and r.json()["message"] == "Unknown skill 'cobol'."
    assert api("olga").post("/api/v1/scheduling/whatif", {"role_hours": []}).status_code == 403


def test_lead_time_table_and_candidates(api: Any, queued: Any, bench_team: Any) -> None:
    rows = api("erin").get("/api/v1/scheduling/lead-times").json()
    other = next(r for r in rows if r["service_type"] == "other")
    # closed won Friday 20 Nov, forecast start the week of 23 Nov: one week
    assert other["projects"] == 2 and other["median_weeks"] == "1.0"
    cands = api("paula").get(f"/api/v1/scheduling/queue/{queued['gov'].pk}/candidates")
    assert cands.status_code == 404  # paula is not a PubSec member
    cands = api("paula").get(f"/api/v1/scheduling/queue/{queued['won'].pk}/candidates").json()
    # quinn has 120 h free in the four-week window, pia (on this project already) 80 h
    assert [(c["name"], c["eligible"], c["free_hours"]) for c in cands] == [("quinn", True, 120.0), ("pia", True, 80.0)]


def test_allocation_conflict_over_the_api_needs_a_reason(api: Any, queued: Any, bench_team: Any) -> None:
    pia = bench_team["pia"]
    services.time_off_add(consultant=pia, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2))
    url = f"/api/v1/scheduling/queue/{queued['won'].pk}/allocations"
    data = {
        "consultant_id": pia.pk,
        "kind": "hard",
        "starts_on": "2026-11-30",
        "ends_on": "2026-12-04",
        "weekly_hours": "20",
    }
    r = api("paula").post(url, data)
    assert r.status_code == 409 and r.json()["details"]["conflicts"] == ["time off 2026-12-01 to 2026-12-02"]
    r = api("paula").post(url, {**data, "override_reason": "customer agreed to a two-day pause"})
    assert r.status_code == 201 and r.json()["override_reason"] == "customer agreed to a two-day pause"
    assert api("erin").post(url, data).status_code == 403


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_render_and_the_ui_refuses_an_early_commit(people: Any, queued: Any) -> None:
    c = _client(people.paula)
    page = c.get("/scheduling/").content.decode()
    assert "Acme rollout" in page and "Pipe deal" in page and "Gov rollout" not in page
    assert c.get("/scheduling/capacity/").status_code == 200
    assert c.get(f"/scheduling/entries/{queued['gov'].pk}/").status_code == 404
    r = c.post(f"/scheduling/entries/{queued['pipe'].pk}/commit-start", {"start": "2027-01-04", "confirm": "1"})
    assert r.status_code == 409
    assert "only once the opportunity is Closed Won" in r.content.decode()
    detail = c.get(f"/scheduling/entries/{queued['pipe'].pk}/").content.decode()
    assert "Forecast: week of" in detail and "Start committed" not in detail
    r = c.post(f"/scheduling/entries/{queued['won'].pk}/commit-start", {"start": "2027-01-04", "confirm": "1"})
    assert r.status_code == 302
    assert "Start committed: 2027-01-04" in c.get(f"/scheduling/entries/{queued['won'].pk}/").content.decode()


def test_whatif_page_saves_nothing(people: Any, queued: Any) -> None:
    c = _client(people.erin)
    before = (QueueEntry.objects.count(), AuditEvent.objects.count())
    page = c.post("/scheduling/whatif/", {"hours_PSE": "40", "service_type": "implementation"}).content.decode()
    assert "Forecast: start likely in the week of" in page
    assert (QueueEntry.objects.count(), AuditEvent.objects.count()) == before
    assert "needs role-hours" in c.post("/scheduling/whatif/", {}).content.decode()


def test_the_entry_page_staffs_a_candidate_and_shows_a_conflict_inline(
    api: Any, people: Any, queued: Any, bench_team: Any
) -> None:
    pia = bench_team["pia"]
    services.time_off_add(consultant=pia, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2))
    c = _client(people.paula)
    url = f"/scheduling/entries/{queued['won'].pk}/allocate"
    data = {
        "consultant_id": pia.pk,
        "kind": "hard",
        "starts_on": "2026-11-30",
        "ends_on": "2026-12-04",
        "weekly_hours": "20",
    }
    r = c.post(url, data)
    assert r.status_code == 409
    assert "time off 2026-12-01 to 2026-12-02" in r.content.decode()
    assert not queued["won"].allocations.exists()
    r = c.post(url, {**data, "override_reason": "customer pause"})
    assert r.status_code == 302
    listed = api("paula").get(f"/api/v1/scheduling/queue/{queued['won'].pk}/allocations").json()
    assert [(a["consultant_id"], a["kind"], a["override_reason"]) for a in listed] == [
        (pia.pk, "hard", "customer pause")
    ]
    assert _client(people.erin).post(url, data).status_code == 403


def test_capacity_page_draws_heat_map_and_timeline_without_a_node_per_cell(people: Any, queued: Any) -> None:
    from psdesk.scheduling.models import Consultant

    Consultant.objects.bulk_create(
        Consultant(name=f"Extra {i}", email=f"extra{i}@example.com", role="PSE", holiday_country="ZZ")
        for i in range(60)
    )
    services.forecast_run()
    page = _client(people.erin).get("/scheduling/capacity/").content.decode()
    assert page.count('<canvas id="timeline"') == 1  # the timeline: one canvas whatever the team size
    assert page.count("<canvas data-chart=") == page.count('class="chart-box"')  # one chart per role
    weeks = page.count('<th scope="col" class="week">')
    assert page.count("<td") == weeks * page.count('<th scope="row">')  # heat map: skills x weeks, not consultants
    assert '"pct": [[' in page and "Extra 59" in page


def test_time_off_is_respected_by_the_forecast(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    for name in ("pia", "quinn"):  # both PSEs are off the whole first week
        services.time_off_add(consultant=bench_team[name], starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 27))
    e = services.queue_enter(
        role_hours=[LineIn("PSE", 40, 40)], opportunity=won_opportunity(), closed_won_at=WON_AT, actor=people.paula
    )
    run = services.forecast_run()
    assert e.forecasts.get(run=run).p50_date == date(2026, 11, 30)
