from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from psdesk.timesheets.models import TimesheetWeek
from psdesk.timesheets.tests.conftest import task_of

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("timesheet", *args, stdout=out)
    return out.getvalue()


def test_cli_logs_submits_approves_and_shows_the_burn(people, make_project, cody_consultant, tmp_path):
    project = make_project()
    task = task_of(project)
    assert "4.00 h on 2026-11-23" in _run("log", str(task.pk), "2026-11-23", "4", "--as", "cody")
    csv = tmp_path / "t.csv"
    csv.write_text(f"task_id,day,hours\n{task.pk},2026-11-24,2\n{task.pk},2026-11-24,x\n")
    assert "1 stored, 1 refused" in _run("import", str(csv), "--as", "cody")
    assert "open → submitted" in _run("submit", str(project.pk), "--week", "2026-11-23", "--as", "cody")
    week = TimesheetWeek.objects.get()
    assert str(week.pk) in _run("pending", "--as", "paula")
    assert "submitted → approved" in _run("approve", str(week.pk), "--as", "paula")
    assert "actual 6.00 h (6.00 approved)" in _run("burn", str(project.pk), "--as", "paula")
