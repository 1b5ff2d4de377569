from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from psdesk.timesheets import services
from psdesk.timesheets.models import TimeEntry, TimesheetWeek
from psdesk.timesheets.tests.conftest import task_of

MON = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_weekly_timesheet_saves_a_grid_all_or_nothing(people, make_project, cody_consultant):
    project = make_project()
    build, manage = task_of(project), task_of(project, "Manage")
    c = _client(people.cody)
    page = c.get(f"/timesheets/?week=2026-11-25&add={build.pk}&add={manage.pk}")
    assert page.status_code == 200
    assert b'aria-label="Build on Mon 23 Nov"' in page.content
    form = {"week": "2026-11-23", "add": [build.pk, manage.pk]}
    form[f"h-{build.pk}-2026-11-23"] = "6"
    form[f"h-{manage.pk}-2026-11-24"] = "9"  # over the 8 h budget
    r = c.post("/timesheets/save", form)
    assert r.status_code == 422
    assert b"Acknowledge the overrun" in r.content and b'name="ack"' in r.content
    assert not TimeEntry.objects.exists()  # nothing saved
    r = c.post("/timesheets/save", {**form, "ack": [manage.pk]})
    assert r.status_code == 302
    assert sorted(TimeEntry.objects.values_list("hours", "over_budget")) == [
        (Decimal("6"), False),
        (Decimal("9"), True),
    ]
    r = c.post("/timesheets/submit", {"week": "2026-11-23", "project_id": project.pk})
    assert TimesheetWeek.objects.get().status == "submitted"
    page = c.get("/timesheets/?week=2026-11-23")
    assert b"readonly" in page.content and b"Submitted" in page.content


def test_the_pm_finds_the_week_on_my_work_and_approves_it(people, make_project, cody_consultant):
    project = make_project()
    services.time_entry_set(actor=people.cody, task_id=task_of(project).pk, day=MON, hours="4")
    services.week_submit(actor=people.cody, project_id=project.pk, week_start=MON)
    week = TimesheetWeek.objects.get()
    c = _client(people.paula)
    assert week.get_absolute_url().encode() in c.get("/my-work/").content
    assert b"approve-week" in c.get(week.get_absolute_url()).content
    assert c.post(f"/timesheets/weeks/{week.pk}/approve").status_code == 302
    assert TimesheetWeek.objects.get().status == "approved"
    r = _client(people.olga).get(week.get_absolute_url())
    assert r.status_code == 404


def test_a_user_without_a_consultant_record_is_told_so(people):
    r = _client(people.cody).get("/timesheets/")
    assert r.status_code == 200 and b"No consultant record" in r.content
    assert _client(people.olga).get("/timesheets/").status_code == 403


def _entries(people: Any, project: Any, weeks: int) -> None:
    from psdesk.timesheets.selectors import monday_of

    tasks = list(project.tasks.all())
    wk = TimesheetWeek.objects.create(consultant=people.cody.consultant, project=project, week_start=monday_of(MON))
    TimeEntry.objects.bulk_create(
        TimeEntry(
            consultant=people.cody.consultant,
            project=project,
            task=t,
            week=wk,
            day=MON - timedelta(days=7 * w + d),
            hours=Decimal("1"),
        )
        for w in range(weeks)
        for d in range(5)
        for t in tasks
    )


def _queries(c: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_timesheet_and_burn_pages_cost_the_same_queries_whatever_the_entries(people, make_project, cody_consultant):
    small, big = make_project(), make_project()
    _entries(people, small, 1)
    _entries(people, big, 12)
    cody, paula = _client(people.cody), _client(people.paula)
    assert _queries(cody, f"/timesheets/?week=2026-11-23&add={task_of(small).pk}") == _queries(
        cody, f"/timesheets/?week=2026-11-23&add={task_of(big).pk}"
    )
    assert _queries(paula, f"/timesheets/projects/{small.pk}/") == _queries(paula, f"/timesheets/projects/{big.pk}/")
    assert _queries(paula, "/timesheets/utilisation/") > 0
    page = paula.get(f"/timesheets/projects/{big.pk}/")
    assert b'data-chart="chart-burn"' in page.content and b'id="chart-burn"' in page.content


def test_work_at_risk_page_requests_and_leadership_decides(people, make_project):
    project = make_project(booked=False)
    r = _client(people.paula).post(
        "/timesheets/work-at-risk/request",
        {"project_id": project.pk, "reason": "kickoff", "hours_cap": "8", "expires_on": "2026-12-04"},
    )
    assert r.status_code == 302
    leo = _client(people.leo)
    assert b"Work at risk:" in leo.get("/my-work/").content
    war = project.work_at_risk.get()
    assert leo.post(f"/timesheets/work-at-risk/{war.pk}/decide", {"decision": "reject"}).status_code == 422
    assert leo.post(f"/timesheets/work-at-risk/{war.pk}/decide", {"decision": "approve"}).status_code == 302
    assert project.work_at_risk.get().status == "approved"
