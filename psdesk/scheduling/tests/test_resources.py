"""The resource directory: consultant CRUD (services and API per role), clearance and cost-rate
visibility, the time-off request → approval flow, the seams for timesheets, the forecast reflecting
approved time off and capacity changes, and forecast runs asked for through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from psdesk.accounts.my_work import my_work_groups
from psdesk.audit.models import AuditEvent
from psdesk.catalog.models import StandardCostRate
from psdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from psdesk.core.money import Money
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.scheduling import selectors, services
from psdesk.scheduling.models import Consultant, ConsultantCostRate, ForecastResult, Skill, TimeOff
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.tests.conftest import WON_AT

pytestmark = pytest.mark.django_db

API = "/api/v1/scheduling"


def _audits(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


@pytest.fixture
def uma_is_cody(people: Any, bench_team: Any) -> Consultant:
    """uma (the cleared TA with geo 4) is the consultant record of the persona cody."""
    uma = bench_team["uma"]
    uma.user = people.cody
    uma.save()
    return uma


# --- services -------------------------------------------------------------------------------------


def test_creating_a_consultant_saves_skills_and_cost_rate_and_audits_the_new_values(
    people: Any, bench_team: Any, frozen_clock: Any
) -> None:
    c = services.consultant_create(
        actor=people.paula,
        name="Vera Vogel",
        email="Vera@Example.com",
        role="PSE",
        region="EMEA",
        timezone="Europe/Berlin",
        holiday_country="de",
        holiday_subdivision="by",
        weekly_capacity_hours="32",
        skills={"geo": 4, "ci": 2},
        cost_rate=services.CostRateIn("101.50", "EUR"),
    )
    assert (c.email, c.holiday_country, c.holiday_subdivision, c.weekly_capacity_hours) == (
        "vera@example.com",
        "DE",
        "BY",
        Decimal("32"),
    )
    assert {s.skill.name: s.level for s in c.skills.all()} == {"geo": 4, "ci": 2}
    assert selectors.consultant_cost_rate(c) == Money(Decimal("101.50"), "EUR")
    [ev] = _audits("scheduling.consultant_created")
    assert ev.actor == people.paula
    assert ev.after["skills"] == {"geo": 4, "ci": 2}
    assert ev.after["cost_rate"] == {"rate": "101.50", "currency": "EUR", "effective_from": "2026-11-27"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"role": "Wizard"}, "role"),
        ({"holiday_country": "Germany"}, "holiday_country"),
        ({"weekly_capacity_hours": "81"}, "weekly_capacity_hours"),
        ({"utilisation_target": "1.2"}, "utilisation_target"),
        ({"email": "pia@example.com"}, "email"),
        ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "holiday_subdivision"),
    ],
)
def test_a_bad_field_is_refused_naming_it_and_nothing_is_saved(
    people: Any, bench_team: Any, change: dict[str, str], field: str
) -> None:
    tess = bench_team["tess"]
    with pytest.raises(ValidationFailed) as exc:
        services.consultant_update(consultant_id=tess.pk, actor=people.paula, changes=change)
    assert exc.value.details == {"field": field}
    tess.refresh_from_db()
    assert (tess.version, tess.timezone, tess.role, tess.email) == (0, "America/New_York", "TA", "tess@example.com")
    assert not _audits("scheduling.consultant_updated")


def test_an_update_audits_before_and_after_and_a_stale_version_is_refused(people: Any, bench_team: Any) -> None:
    tess = bench_team["tess"]
    services.consultant_update(
        consultant_id=tess.pk,
        actor=people.paula,
        changes={"weekly_capacity_hours": Decimal("20"), "name": "tess"},
        skills={"geo": 5, "ci": 1},
    )
    [ev] = _audits("scheduling.consultant_updated")
    assert ev.before == {"weekly_capacity_hours": "40.00", "skills": {"geo": 3}}
    assert ev.after == {"weekly_capacity_hours": "20", "skills": {"ci": 1, "geo": 5}}
    with pytest.raises(Conflict):
        services.consultant_update(
            consultant_id=tess.pk, actor=people.paula, changes={"region": "EMEA"}, expected_version=0
        )
    tess.refresh_from_db()
    assert (tess.version, tess.region) == (1, "AMER")
    # nothing changed → no audit row, no new version
    services.consultant_update(consultant_id=tess.pk, actor=people.paula, changes={"name": "tess"})
    assert len(_audits("scheduling.consultant_updated")) == 1


def test_skills_come_from_the_catalogue_at_levels_1_to_5(people: Any, bench_team: Any) -> None:
    for skills in ({"cobol": 3}, {"geo": 6}, {"geo": 0}):
        with pytest.raises(ValidationFailed) as exc:
            services.consultant_update(
                consultant_id=bench_team["tess"].pk, actor=people.paula, changes={}, skills=skills
            )
        assert exc.value.details == {"field": "skills"}
    assert {s.skill.name: s.level for s in bench_team["tess"].skills.all()} == {"geo": 3}


def test_cost_rate_follows_its_history_then_the_role_standard_rate(people: Any, bench_team: Any) -> None:
    pia = bench_team["pia"]
    StandardCostRate.objects.filter(role="PSE").delete()  # the seeded rates
    assert selectors.consultant_cost_rate(pia, on=date(2026, 11, 27)) is None
    StandardCostRate.objects.create(
        role="PSE", year=2026, quarter=1, annual_ote=Decimal("180000"), benefits=Decimal("36000"), billable_hours=1880
    )
    assert selectors.consultant_cost_rate(pia, on=date(2026, 11, 27)) == Money(Decimal("114.89"), "USD")
    ConsultantCostRate.objects.create(consultant=pia, effective_from=date(2026, 1, 1), rate=Decimal("100"))
    services.consultant_update(
        consultant_id=pia.pk,
        actor=people.paula,
        changes={},
        cost_rate=services.CostRateIn(Decimal("110.00"), "USD", date(2026, 12, 1)),
    )
    assert selectors.consultant_cost_rate(pia, on=date(2026, 11, 30)) == Money(Decimal("100"), "USD")
    assert selectors.consultant_cost_rate(pia, on=date(2026, 12, 1)) == Money(Decimal("110.00"), "USD")
    assert selectors.consultant_cost_rate(pia, on=date(2025, 12, 31)) is None  # before any rate


def test_consultant_for_user_is_the_active_linked_consultant(people: Any, uma_is_cody: Consultant) -> None:
    assert selectors.consultant_for_user(people.cody) == uma_is_cody
    assert selectors.consultant_for_user(people.paula) is None
    services.consultant_deactivate(consultant_id=uma_is_cody.pk, actor=people.paula, reason="left")
    assert selectors.consultant_for_user(people.cody) is None
    with pytest.raises(Conflict):
        services.consultant_deactivate(consultant_id=uma_is_cody.pk, actor=people.paula)
    [ev] = _audits("scheduling.consultant_deactivated")
    assert (ev.before, ev.after, ev.reason) == ({"active": True}, {"active": False}, "left")


def test_time_off_is_requested_by_the_consultant_and_decided_by_the_coordinator(
    people: Any, uma_is_cody: Consultant, frozen_clock: Any, mailoutbox: Any
) -> None:
    t = services.time_off_request(
        consultant=uma_is_cody,
        starts_on=date(2026, 12, 7),
        ends_on=date(2026, 12, 7),
        reason="Dentist",
        actor=people.cody,
    )
    assert t.status == "requested"
    assert Notification.objects.filter(recipient=people.paula, event="time_off.requested").count() == 1
    [group] = [g for g in my_work_groups(user=people.paula) if g.key == "time_off_to_decide"]
    assert (group.count, group.items[0].title) == (1, "uma: Mon 07 Dec 2026")
    assert not [g for g in my_work_groups(user=people.erin) if g.key == "time_off_to_decide"]
    with pytest.raises(PermissionDenied):
        services.time_off_decide(time_off_id=t.pk, approve=True, actor=people.cody)
    with pytest.raises(ValidationFailed) as exc:
        services.time_off_decide(time_off_id=t.pk, approve=False, actor=people.paula, reason=" ")
    assert exc.value.details == {"field": "reason"}
    services.time_off_decide(time_off_id=t.pk, approve=True, actor=people.paula)
    t.refresh_from_db()
    assert (t.status, t.decided_by) == ("approved", people.paula)
    [ev] = _audits("scheduling.time_off_approved")
    assert (ev.before["status"], ev.after["status"]) == ("requested", "approved")
    note = Notification.objects.get(recipient=people.cody, event="time_off.decided")
    assert note.url.endswith("/scheduling/time-off/")
    assert OutboxMessage.objects.filter(event="time_off.decided", destination=people.cody.email).exists()
    with pytest.raises(Conflict):
        services.time_off_decide(time_off_id=t.pk, approve=False, actor=people.paula, reason="too late")


def test_a_consultant_asks_only_for_themself_never_in_the_past_nor_twice(
    people: Any, uma_is_cody: Consultant, bench_team: Any, frozen_clock: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.time_off_request(
            consultant=bench_team["pia"], starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 7), actor=people.cody
        )
    for start, end, field in (
        (date(2026, 11, 26), date(2026, 11, 30), "starts_on"),
        (date(2026, 12, 8), date(2026, 12, 7), "ends_on"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.time_off_request(consultant=uma_is_cody, starts_on=start, ends_on=end, actor=people.cody)
        assert exc.value.details == {"field": field}
    services.time_off_request(
        consultant=uma_is_cody, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9), actor=people.cody
    )
    with pytest.raises(Conflict):
        services.time_off_request(
            consultant=uma_is_cody, starts_on=date(2026, 12, 9), ends_on=date(2026, 12, 10), actor=people.cody
        )
    assert TimeOff.objects.filter(consultant=uma_is_cody).count() == 1


def test_the_next_forecast_run_reflects_approved_time_off_and_capacity_changes(
    people: Any, uma_is_cody: Consultant, won_opportunity: Any, frozen_clock: Any
) -> None:
    entry = services.queue_enter(
        role_hours=[LineIn("TA", 40, 40, {"geo": 4})],
        opportunity=won_opportunity("Acme"),
        closed_won_at=WON_AT,
        actor=people.paula,
        desired_start=date(2026, 11, 30),
    )

    def p50() -> date | None:
        return ForecastResult.objects.get(run=services.forecast_run(), entry=entry).p50_date

    assert p50() == date(2026, 11, 30)  # uma, the only geo-4 TA, is free that week
    t = services.time_off_request(
        consultant=uma_is_cody, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 4), actor=people.cody
    )
    assert p50() == date(2026, 11, 30)  # a request leaves capacity alone
    services.time_off_decide(time_off_id=t.pk, approve=True, actor=people.paula)
    assert p50() == date(2026, 12, 7)  # approved: the week off moves the start a week
    services.consultant_update(consultant_id=uma_is_cody.pk, actor=people.paula, changes={"weekly_capacity_hours": "0"})
    assert p50() is None  # no geo-4 TA has capacity left
    assert ForecastResult.objects.filter(entry=entry).latest("run_id").binding == (
        "no eligible TA has 40 h free in any week: lower the weekly intensity of 1 TA with skill geo ≥ 4 "
        "for 40 h/week x 1 weeks"
    )


def test_changes_that_the_forecast_reads_ask_for_a_recompute(
    people: Any, bench_team: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def recomputes(calls: list[Any]) -> int:
        return sum(1 for f in calls if getattr(f, "__name__", "") == "_enqueue_unless_pending")

    with django_capture_on_commit_callbacks() as calls:
        services.consultant_update(consultant_id=bench_team["pia"].pk, actor=people.paula, changes={"name": "Pia P"})
    assert recomputes(calls) == 0
    with django_capture_on_commit_callbacks() as calls:
        services.consultant_update(
            consultant_id=bench_team["pia"].pk, actor=people.paula, changes={"weekly_capacity_hours": "30"}
        )
    assert recomputes(calls) == 1


# --- API per role -----------------------------------------------------------------------------------


NEW = {
    "name": "Vera Vogel",
    "email": "vera@example.com",
    "role": "PSE",
    "region": "EMEA",
    "timezone": "Europe/Berlin",
    "holiday_country": "DE",
    "skills": {"geo": 3},
    "cost_rate": {"rate": "95.00", "currency": "EUR"},
}


def test_the_api_crud_is_permitted_per_role(api: Any, bench_team: Any) -> None:
    assert api("olga").get(f"{API}/consultants").status_code == 403
    assert api("olga").get(f"{API}/consultants/{bench_team['pia'].pk}").status_code == 403
    assert api("erin").post(f"{API}/consultants", NEW).status_code == 403
    assert api("cody").post(f"{API}/consultants", NEW).status_code == 403
    r = api("paula").post(f"{API}/consultants", NEW)
    assert r.status_code == 201, r.content
    vera = r.json()
    assert (vera["skills"], vera["cost_rate"]["amount"], vera["cost_rate"]["currency"]) == (
        [{"skill": "geo", "level": 3}],
        "95.00",
        "EUR",
    )
    assert api("erin").patch(f"{API}/consultants/{vera['id']}", {"name": "V"}).status_code == 403
    r = api("paula").patch(f"{API}/consultants/{vera['id']}", {"weekly_capacity_hours": "30", "expected_version": 0})
    assert (r.status_code, r.json()["weekly_capacity_hours"], r.json()["version"]) == (200, "30.00", 1)
    r = api("paula").patch(f"{API}/consultants/{vera['id']}", {"name": "V", "expected_version": 0})
    assert r.status_code == 409
    assert api("erin").post(f"{API}/consultants/{vera['id']}/deactivate", {}).status_code == 403
    assert api("paula").post(f"{API}/consultants/{vera['id']}/deactivate", {"reason": "left"}).status_code == 200
    assert api("paula").post(f"{API}/consultants/{vera['id']}/deactivate", {}).status_code == 409
    assert api("paula").get(f"{API}/consultants/999999").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "timezone": "Nowhere/Land"}, "timezone"),
        ({**NEW, "email": "pia@example.com"}, "email"),
        ({**NEW, "skills": {"geo": 9}}, "skills"),
        ({**NEW, "user": "nobody"}, "user"),
        ({**NEW, "cost_rate": {"rate": "9", "currency": "usd"}}, "cost_rate.currency"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_saves_nothing(api: Any, bench_team: Any, body: Any, field: str) -> None:
    r = api("paula").post(f"{API}/consultants", body)
    assert r.status_code == 422, r.content
    assert r.json()["details"]["field"] == field
    assert not Consultant.objects.filter(name="Vera Vogel").exists()


def test_the_directory_filters_by_role_region_skill_and_clearance(api: Any, bench_team: Any) -> None:
    def names(user: str, **params: Any) -> list[str]:
        r = api(user).get(f"{API}/consultants", **params)
        assert r.status_code == 200, r.content
        return [c["name"] for c in r.json()["items"]]

    assert names("erin", role="TA") == ["tess", "uma"]
    assert names("erin", skill="geo", min_level=4) == ["uma"]
    assert names("paula", cleared="true") == ["max", "quinn", "uma"]
    assert api("erin").get(f"{API}/consultants", cleared="true").status_code == 403
    assert api("pat").get(f"{API}/consultants", cleared="true").status_code == 403


def test_clearance_and_cost_rates_show_only_to_roles_allowed_and_to_the_consultant(
    api: Any, uma_is_cody: Consultant, bench_team: Any
) -> None:
    ConsultantCostRate.objects.create(consultant=uma_is_cody, effective_from=date(2026, 1, 1), rate=Decimal("120"))
    path = f"{API}/consultants/{uma_is_cody.pk}"
    paula, oscar, erin, pat, cody = (api(u).get(path).json() for u in ("paula", "oscar", "erin", "pat", "cody"))
    assert paula["clearance"] == {"us_citizen": True, "cleared": True, "pubsec_eligible": True}
    assert oscar["clearance"] == paula["clearance"]
    assert erin["clearance"] is None and erin["cost_rate"] is None
    assert pat["clearance"] is None  # PubSec membership is about customers' data, not colleagues' clearance
    assert cody["clearance"] == paula["clearance"] and cody["cost_rate"]["amount"] == "120.00"
    assert api("cody").get(f"{API}/consultants/{bench_team['quinn'].pk}").json()["clearance"] is None


def test_the_consultant_asks_for_time_off_and_the_coordinator_approves_through_the_api(
    api: Any, uma_is_cody: Consultant, frozen_clock: Any
) -> None:
    assert api("erin").get(f"{API}/me/time-off").status_code == 403
    assert (
        api("olga").post(f"{API}/me/time-off", {"starts_on": "2026-12-07", "ends_on": "2026-12-07"}).status_code == 403
    )
    r = api("cody").post(
        f"{API}/me/time-off", {"starts_on": "2026-12-07", "ends_on": "2026-12-07", "reason": "Dentist"}
    )
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    bad = api("cody").post(f"{API}/me/time-off", {"starts_on": "2026-12-07", "ends_on": "2026-12-06"})
    assert (bad.status_code, bad.json()["details"]["field"]) == (422, "ends_on")
    assert (
        api("cody").post(f"{API}/me/time-off", {"starts_on": "2026-12-07", "ends_on": "2026-12-07"}).status_code == 409
    )
    assert [t["id"] for t in api("paula").get(f"{API}/time-off").json()] == [tid]
    assert api("cody").get(f"{API}/time-off").status_code == 403
    assert api("cody").post(f"{API}/time-off/{tid}/approve").status_code == 403
    refused = api("paula").post(f"{API}/time-off/{tid}/refuse", {"reason": ""})
    assert (refused.status_code, refused.json()["details"]["field"]) == (422, "reason")
    ok = api("paula").post(f"{API}/time-off/{tid}/approve")
    assert (ok.status_code, ok.json()["status"], ok.json()["decided_by"]) == (200, "approved", "paula")
    assert api("paula").post(f"{API}/time-off/{tid}/approve").status_code == 409
    assert api("cody").get(f"{API}/me/time-off").json()[0]["status"] == "approved"
    assert api("paula").get(f"{API}/me/time-off").status_code == 403  # paula is no consultant (no permission)


def test_a_user_without_a_consultant_record_gets_404_on_their_time_off(api: Any, bench_team: Any) -> None:
    r = api("cody").get(f"{API}/me/time-off")
    assert (r.status_code, r.json()["code"]) == (404, "no_consultant")


def test_the_skill_matrix_lists_levels_per_consultant_and_skill(api: Any, bench_team: Any) -> None:
    assert api("olga").get(f"{API}/skill-matrix").status_code == 403
    m = api("erin").get(f"{API}/skill-matrix", role="TA").json()
    assert m["skills"] == ["ci", "geo"]
    assert [(r["name"], r["levels"]) for r in m["rows"]] == [("tess", [None, 3]), ("uma", [None, 4])]


def test_the_directory_list_costs_the_same_queries_for_more_consultants(
    api: Any, bench_team: Any, django_assert_num_queries: Any
) -> None:
    client = api("paula")
    client.get(f"{API}/consultants")  # warm the token and permission caches
    with CaptureQueriesContext(connection) as small:
        client.get(f"{API}/consultants")
    geo = Skill.objects.get(name="geo")
    for i in range(10):
        c = Consultant.objects.create(name=f"extra {i}", email=f"x{i}@example.com", role="PSE")
        c.skills.create(skill=geo, level=2)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(f"{API}/consultants").json()["items"]) == 15


def test_a_forecast_run_is_asked_for_through_the_api_and_read_back(
    api: Any, people: Any, bench_team: Any, frozen_clock: Any
) -> None:
    assert api("erin").post(f"{API}/forecast-runs").status_code == 403
    assert api("olga").get(f"{API}/forecast-runs/00000000-0000-0000-0000-000000000000").status_code == 403
    r = api("paula").post(f"{API}/forecast-runs")
    assert (r.status_code, r.json()["status"], r.json()["run"]) == (202, "READY", None)
    again = api("oscar").post(f"{API}/forecast-runs")
    assert again.json()["id"] == r.json()["id"]  # one waiting run is enough
    task = DBTaskResult.objects.get(pk=r.json()["id"])
    task.claim("test")
    Worker(  # the real worker's task runner, in this process (its loop closes the test's connection)
        queue_names=["forecast"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run_task(task)
    done = api("erin").get(f"{API}/forecast-runs/{r.json()['id']}").json()
    assert done["status"] == "SUCCESSFUL"
    assert done["run"]["id"] == selectors.latest_run_get().pk
    assert api("erin").get(f"{API}/forecast-runs/not-a-uuid").status_code == 404
    assert api("erin").get(f"{API}/forecast-runs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert len(_audits("scheduling.forecast_run_requested")) == 2


# --- pages --------------------------------------------------------------------------------------------


def test_the_directory_pages_are_found_from_the_navigation_and_hide_what_a_role_may_not_see(
    people: Any, uma_is_cody: Consultant, bench_team: Any
) -> None:
    erin, paula, olga = Client(), Client(), Client()
    erin.force_login(people.erin)
    paula.force_login(people.paula)
    olga.force_login(people.olga)
    home = erin.get("/").content.decode()
    assert 'href="/scheduling/resources/"' in home
    page = erin.get("/scheduling/resources/", {"role": "TA", "skill": "geo", "min_level": "4"}).content.decode()
    assert "uma" in page and "tess" not in page and "Cleared for US PubSec" not in page
    assert "Cleared for US PubSec" in paula.get("/scheduling/resources/").content.decode()
    assert 'id="clearance"' not in erin.get(f"/scheduling/resources/{uma_is_cody.pk}/").content.decode()
    assert 'id="clearance"' in paula.get(f"/scheduling/resources/{uma_is_cody.pk}/").content.decode()
    assert "skill-matrix" in erin.get("/scheduling/resources/skills/").content.decode()
    assert olga.get("/scheduling/resources/").status_code == 403
    assert erin.get("/scheduling/resources/999999/").status_code == 404
    assert erin.get("/scheduling/time-off/").status_code == 403


# --- CLI ----------------------------------------------------------------------------------------------


def test_the_cli_lists_consultants_and_runs_the_time_off_flow(
    people: Any, uma_is_cody: Consultant, frozen_clock: Any
) -> None:
    out = StringIO()
    call_command("resources", "list", "--as", "erin", "--skill", "geo", "--min-level", "4", stdout=out)
    assert "uma" in out.getvalue() and "tess" not in out.getvalue() and "cleared" not in out.getvalue()
    call_command(
        "resources", "request-time-off", "2026-12-07", "2026-12-08", "--reason", "Dentist", "--as", "cody", stdout=out
    )
    t = TimeOff.objects.get(consultant=uma_is_cody)
    with pytest.raises(CommandError, match="403"):
        call_command("resources", "approve", str(t.pk), "--as", "cody")
    out = StringIO()
    call_command("resources", "time-off", "--as", "paula", stdout=out)
    assert "uma" in out.getvalue() and "Dentist" in out.getvalue()
    call_command("resources", "refuse", str(t.pk), "--reason", "Go-live week", "--as", "paula", stdout=out)
    t.refresh_from_db()
    assert (t.status, t.decision_reason) == ("refused", "Go-live week")
    with pytest.raises(CommandError, match="already refused"):
        call_command("resources", "approve", str(t.pk), "--as", "paula")


def test_an_admin_edit_is_audited_and_its_new_time_off_is_the_coordinators_approved_entry(
    people: Any, bench_team: Any, admin_client: Any, admin_user: Any
) -> None:
    pia = bench_team["pia"]
    data = {
        "name": "pia",
        "email": "pia@example.com",
        "role": "PSE",
        "region": "AMER",
        "timezone": "America/New_York",
        "holiday_country": "ZZ",
        "holiday_subdivision": "",
        "weekly_capacity_hours": "32",
        "utilisation_target": "1",
        "active": "on",
        "skills-TOTAL_FORMS": "0",
        "skills-INITIAL_FORMS": "0",
        "cost_rates-TOTAL_FORMS": "0",
        "cost_rates-INITIAL_FORMS": "0",
        "time_off-TOTAL_FORMS": "1",
        "time_off-INITIAL_FORMS": "0",
        "time_off-0-starts_on": "2026-12-07",
        "time_off-0-ends_on": "2026-12-08",
        "time_off-0-reason": "PTO",
        "time_off-0-consultant": str(pia.pk),
    }
    r = admin_client.post(f"/admin/scheduling/consultant/{pia.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    pia.refresh_from_db()
    assert (pia.weekly_capacity_hours, pia.version) == (Decimal("32"), 1)
    [t] = TimeOff.objects.filter(consultant=pia)
    assert (t.status, t.decided_by) == ("approved", admin_user)
    first, second = _audits("scheduling.consultant_updated")
    assert (first.before, first.after) == ({"weekly_capacity_hours": "40.00"}, {"weekly_capacity_hours": "32"})
    assert second.after == {"time off": [str(t)]}
