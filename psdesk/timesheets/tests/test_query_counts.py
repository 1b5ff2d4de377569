"""Query-count baselines (tests/query_counts.json) of the timesheet lists, measured at two data sizes
with one baseline each: a consultant's week, the weeks to approve, the budget-burn list, work at risk
and their API lists stay flat in N."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.projects.models import Project
from psdesk.timesheets.choices import WeekStatus
from psdesk.timesheets.models import TimeEntry, TimesheetWeek, WorkAtRisk
from psdesk.timesheets.tests.conftest import task_of

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)  # the frozen clock's week


def _grow(n: int, *, people: Any, make_project: Any, cody: Any) -> None:
    for i in range(Project.objects.count(), n):
        p = make_project(name=f"Burn {i:02}")
        week = TimesheetWeek.objects.create(
            consultant=cody, project=p, week_start=MONDAY, status=WeekStatus.SUBMITTED, submitted_at=clock.now()
        )
        for task in p.tasks.all():
            for d in range(2):
                TimeEntry.objects.create(
                    consultant=cody, project=p, task=task, week=week, day=MONDAY + timedelta(days=d),
                    hours=Decimal(2), created_by=people.cody,
                )  # fmt: skip
        WorkAtRisk.objects.create(
            project=p, reason=f"Risk {i:02}", hours_cap=Decimal(8), expires_on=MONDAY + timedelta(days=30),
            requested_by=people.erin,
        )  # fmt: skip
        assert task_of(p).hours == Decimal(20)


def test_timesheet_lists_are_flat(people: Any, api: Any, make_project: Any, cody_consultant: Any) -> None:
    counts = FlatBaselines(__file__)
    cody_web, paula_web = Client(), Client()
    cody_web.force_login(people.cody)
    paula_web.force_login(people.paula)
    cody, paula = api("cody"), api("paula")
    for n in SIZES:
        _grow(n, people=people, make_project=make_project, cody=cody_consultant)
        counts.at(n)
        last = f"Burn {n - 1:02}"
        counts.measure("timesheets.index", cody_web.get, "/timesheets/", last)
        counts.measure("timesheets.weeks", paula_web.get, "/timesheets/weeks/", last)
        counts.measure("timesheets.burn_list", paula_web.get, "/timesheets/projects/", last)
        counts.measure("timesheets.work_at_risk", paula_web.get, "/timesheets/work-at-risk/", f"Risk {n - 1:02}")
        counts.measure("api.time-entries", cody.get, "/api/v1/time-entries", limit=200)
        assert cody.get("/api/v1/time-entries", limit=200).json()["count"] == 4 * n
        counts.measure("api.timesheet-weeks", paula.get, "/api/v1/timesheet-weeks", to_approve="true")
        assert paula.get("/api/v1/timesheet-weeks", to_approve="true").json()["count"] == n
        counts.measure("api.work-at-risk", paula.get, "/api/v1/work-at-risk", f"Risk {n - 1:02}")
    counts.check()
