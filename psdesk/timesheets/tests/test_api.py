from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from psdesk.timesheets.models import TimeEntry
from psdesk.timesheets.tests.conftest import task_of

MON = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def _post(api: Any, who: str, task: Any, day: str = "2026-11-23", hours: str = "4", **kw: Any) -> Any:
    return api(who).post("/api/v1/time-entries", {"task_id": task.pk, "day": day, "hours": hours, **kw})


def test_a_consultant_logs_lists_and_changes_time_through_the_api(api, make_project, cody_consultant):
    task = task_of(make_project())
    r = _post(api, "cody", task)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["hours"], body["over_budget"], body["version"]) == ("4.00", False, 0)
    listed = api("cody").get("/api/v1/time-entries", week="2026-11-25").json()
    assert listed["count"] == 1
    assert api("cody").get("/api/v1/time-entries", week="0").status_code == 422  # an ISO date, not a number
    r = api("cody").patch(f"/api/v1/time-entries/{body['id']}", {"hours": "5", "expected_version": 3})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = api("cody").patch(f"/api/v1/time-entries/{body['id']}", {"hours": "5", "expected_version": 0})
    assert r.status_code == 200 and r.json()["hours"] == "5.00"


def test_refusals_are_json_with_the_field_and_nothing_changes(api, make_project, cody_consultant):
    project = make_project()
    r = _post(api, "cody", task_of(project, "Manage"), hours="9")
    assert r.status_code == 422 and r.json()["code"] == "over_budget"
    assert r.json()["details"]["field"] == "acknowledge_over_budget"
    r = _post(api, "cody", task_of(project, "Manage"), hours="9", acknowledge_over_budget=True)
    assert r.status_code == 200 and r.json()["over_budget"] is True
    r = _post(api, "cody", task_of(make_project(booked=False)))
    assert r.status_code == 409 and r.json()["code"] == "work_not_authorised"
    r = _post(api, "cody", task_of(project), hours="-1")
    assert r.status_code in (400, 422) and r.headers["Content-Type"].startswith("application/json")
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["olga", "tom", "alice", "leo"])
def test_roles_without_time_logging_get_403(api, make_project, cody_consultant, who):
    r = _post(api, who, task_of(make_project()))
    assert r.status_code == 403
    assert not TimeEntry.objects.exists()


def test_pubsec_project_tasks_are_404_for_non_members(api, make_project, cody_consultant):
    project = make_project(pubsec=True)
    assert _post(api, "cody", task_of(project)).status_code == 404
    assert api("paula").get(f"/api/v1/projects/{project.pk}/budget-burn").status_code == 404
    assert api("pat").get(f"/api/v1/projects/{project.pk}/budget-burn").status_code == 200


def test_the_pm_approves_a_week_and_an_edit_afterwards_is_409(api, make_project, cody_consultant):
    project = make_project()
    e = _post(api, "cody", task_of(project)).json()
    r = api("cody").post("/api/v1/timesheet-weeks/submit", {"project_id": project.pk, "week_start": "2026-11-23"})
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["hours"] == "4.00"
    week_id = r.json()["id"]
    waiting = api("paula").get("/api/v1/timesheet-weeks", to_approve=True).json()
    assert [w["id"] for w in waiting["items"]] == [week_id]
    assert api("olga").post(f"/api/v1/timesheet-weeks/{week_id}/approve", {}).status_code in (403, 404)
    assert api("cody").post(f"/api/v1/timesheet-weeks/{week_id}/approve", {}).status_code == 403
    r = api("paula").post(f"/api/v1/timesheet-weeks/{week_id}/approve", {})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = api("cody").patch(f"/api/v1/time-entries/{e['id']}", {"hours": "6"})
    assert r.status_code == 409 and r.json()["code"] == "week_locked"
    assert api("cody").delete(f"/api/v1/time-entries/{e['id']}").status_code == 409


def test_a_returned_week_carries_its_reason(api, make_project, cody_consultant):
    project = make_project()
    _post(api, "cody", task_of(project))
    week_id = (
        api("cody")
        .post("/api/v1/timesheet-weeks/submit", {"project_id": project.pk, "week_start": "2026-11-23"})
        .json()["id"]
    )
    assert api("paula").post(f"/api/v1/timesheet-weeks/{week_id}/return", {"reason": ""}).status_code == 409
    r = api("paula").post(f"/api/v1/timesheet-weeks/{week_id}/return", {"reason": "wrong task"})
    assert r.json()["status"] == "returned" and r.json()["return_reason"] == "wrong task"


def test_csv_import_answers_a_per_row_report(api, make_project, cody_consultant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = task_of(make_project())
    client = api("cody")
    f = SimpleUploadedFile("t.csv", f"task_id,day,hours\n{task.pk},2026-11-23,3\n{task.pk},2026-13-01,3\n".encode())
    r = client.client.post("/api/v1/time-entry-imports", {"file": f}, headers=client._headers())
    assert r.status_code == 200, r.content
    assert (r.json()["stored"], r.json()["refused"]) == (1, 1)
    assert r.json()["rows"][1]["message"].startswith("task_id must be a number")


def test_work_at_risk_and_budget_burn_endpoints(api, make_project, cody_consultant):
    project = make_project(booked=False)
    body = {"project_id": project.pk, "reason": "start early", "hours_cap": "6", "expires_on": "2026-12-04"}
    assert api("cody").post("/api/v1/work-at-risk", body).status_code == 403
    r = api("paula").post("/api/v1/work-at-risk", body)
    assert r.status_code == 201 and r.json()["status"] == "requested"
    war = r.json()["id"]
    assert api("paula").post(f"/api/v1/work-at-risk/{war}/decision", {"approve": True}).status_code == 403
    assert api("leo").post(f"/api/v1/work-at-risk/{war}/decision", {"approve": True}).json()["status"] == "approved"
    assert _post(api, "cody", task_of(project)).status_code == 200
    burn = api("paula").get(f"/api/v1/projects/{project.pk}/budget-burn").json()
    assert (burn["budget_hours"], burn["actual_hours"], burn["currency"]) == ("28.00", "4.00", "USD")
    assert burn["burn_down"] == [{"week": "2026-11-23", "remaining_hours": "24.00"}]
    r = api("paula").post(f"/api/v1/projects/{project.pk}/estimate-to-complete", {"hours": "30"})
    assert r.status_code == 200 and r.json()["forecast_hours_at_completion"] == "34.00"
    assert api("erin").post(f"/api/v1/projects/{project.pk}/estimate-to-complete", {"hours": "3"}).status_code == 403
    assert api("olga").get(f"/api/v1/projects/{project.pk}/budget-burn").status_code == 403


def test_utilisation_reports_actuals_and_bookings_against_the_role_target(api, make_project, cody_consultant):
    _post(api, "cody", task_of(make_project()), hours="8")
    r = api("leo").get("/api/v1/utilisation", weeks_back=1, weeks_ahead=1)
    assert r.status_code == 200
    row = next(c for c in r.json()["consultants"] if c["label"] == "Cody Chen")
    assert [c["source"] for c in row["cells"]] == ["actual", "actual", "booked"]
    assert row["cells"][1]["hours"] == "8.00" and row["cells"][1]["ratio"] == "0.20" and row["target"] == "0.750"
    assert api("cody").get("/api/v1/utilisation").status_code == 403
