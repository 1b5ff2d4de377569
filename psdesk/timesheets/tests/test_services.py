from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.notifications.models import Notification
from psdesk.timesheets import selectors, services
from psdesk.timesheets.choices import WeekStatus
from psdesk.timesheets.models import BudgetAlert, TimeEntry, TimesheetWeek
from psdesk.timesheets.tests.conftest import task_of

MON = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def _log(people: Any, task: Any, day: date, hours: str, **kw: Any) -> Any:
    return services.time_entry_set(actor=people.cody, task_id=task.pk, day=day, hours=hours, **kw)


def test_a_consultant_logs_hours_on_a_task_and_day_with_an_audit_row(people, make_project, cody_consultant):
    project = make_project()
    entry = _log(people, task_of(project), MON, "7.5")
    assert (entry.hours, entry.week.week_start, entry.week.status, entry.over_budget) == (
        D("7.5"),
        MON,
        WeekStatus.OPEN,
        False,
    )
    ev = AuditEvent.objects.get(verb="timesheets.entry_logged")
    assert ev.after["hours"] == "7.50" and ev.actor == people.cody
    again = _log(people, task_of(project), MON, "6")
    assert again.pk == entry.pk and again.hours == D("6") and again.version == 1


def test_time_on_a_project_without_executed_paperwork_is_refused_naming_what_is_missing(
    people, make_project, cody_consultant
):
    project = make_project(booked=False)
    with pytest.raises(Conflict) as exc:
        _log(people, task_of(project), MON, "4")
    assert exc.value.code == "work_not_authorised"
    assert "no executed SOW" in exc.value.message and "work-at-risk approval" in exc.value.message
    assert not TimeEntry.objects.exists() and not TimesheetWeek.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="timesheets.").exists()


def test_work_at_risk_approved_by_leadership_allows_capped_hours_until_expiry(
    people, make_project, cody_consultant, frozen_clock
):
    project = make_project(booked=False)
    war = services.work_at_risk_request(
        actor=people.paula,
        project_id=project.pk,
        reason="customer kickoff before signature",
        hours_cap="10",
        expires_on=date(2026, 12, 4),
    )
    assert Notification.objects.filter(recipient=people.leo, event="work_at_risk.requested").exists()
    with pytest.raises(Conflict):  # requested, not yet approved
        _log(people, task_of(project), MON, "4")
    with pytest.raises(PermissionDenied):
        services.work_at_risk_decide(actor=people.paula, war_id=war.pk, approve=True)
    services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=True, note="ok")
    e = _log(people, task_of(project), MON, "8")
    assert e.work_at_risk_id == war.pk
    with pytest.raises(Conflict) as exc:
        _log(people, task_of(project), MON + timedelta(days=1), "4")
    assert "caps time at 10.00 h" in exc.value.message
    _log(people, task_of(project), MON + timedelta(days=1), "2")
    frozen_clock.advance(days=10)  # Monday 7 December: the approval expired on the 4th
    with pytest.raises(Conflict) as exc:
        _log(people, task_of(project), date(2026, 12, 7), "1")
    assert "expired on 04 Dec 2026" in exc.value.message


def test_work_at_risk_refusals(people, make_project, cody_consultant):
    project = make_project(booked=False)
    with pytest.raises(ValidationFailed):
        services.work_at_risk_request(
            actor=people.paula, project_id=project.pk, reason=" ", hours_cap="5", expires_on=date(2026, 12, 4)
        )
    with pytest.raises(ValidationFailed):
        services.work_at_risk_request(
            actor=people.paula, project_id=project.pk, reason="x", hours_cap="0", expires_on=date(2026, 12, 4)
        )
    with pytest.raises(ValidationFailed):
        services.work_at_risk_request(
            actor=people.paula, project_id=project.pk, reason="x", hours_cap="5", expires_on=date(2026, 11, 1)
        )
    with pytest.raises(PermissionDenied):
        services.work_at_risk_request(
            actor=people.cody, project_id=project.pk, reason="x", hours_cap="5", expires_on=date(2026, 12, 4)
        )
    booked = make_project()
    with pytest.raises(Conflict):
        services.work_at_risk_request(
            actor=people.paula, project_id=booked.pk, reason="x", hours_cap="5", expires_on=date(2026, 12, 4)
        )
    war = services.work_at_risk_request(
        actor=people.paula, project_id=project.pk, reason="x", hours_cap="5", expires_on=date(2026, 12, 4)
    )
    with pytest.raises(ValidationFailed):  # a rejection needs a note
        services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=False)
    services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=False, note="sign first")
    with pytest.raises(Conflict):
        services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=True)
    with pytest.raises(Conflict):
        _log(people, task_of(project), MON, "1")


def test_hours_over_the_task_budget_need_an_explicit_acknowledgement(people, make_project, cody_consultant):
    project = make_project()
    task = task_of(project, "Manage")  # 8 h budget
    _log(people, task, MON, "6")
    with pytest.raises(ValidationFailed) as exc:
        _log(people, task, MON + timedelta(days=1), "4")
    assert exc.value.code == "over_budget" and exc.value.details["field"] == "acknowledge_over_budget"
    assert TimeEntry.objects.count() == 1
    e = _log(people, task, MON + timedelta(days=1), "4", acknowledge_over_budget=True)
    assert e.over_budget
    assert AuditEvent.objects.filter(verb="timesheets.entry_logged", reason__contains="acknowledged").count() == 1


def test_future_days_too_many_hours_and_bad_numbers_are_refused(people, make_project, cody_consultant):
    task = task_of(make_project())
    with pytest.raises(ValidationFailed):
        _log(people, task, date(2026, 11, 28), "2")
    with pytest.raises(ValidationFailed):
        _log(people, task, MON, "abc")
    with pytest.raises(ValidationFailed):
        _log(people, task, MON, "1.1")
    with pytest.raises(ValidationFailed):
        _log(people, task, MON, "17")  # policy: at most 16 a day
    assert not TimeEntry.objects.exists()


def test_a_user_without_a_consultant_record_cannot_log(people, make_project):
    with pytest.raises(ValidationFailed) as exc:
        services.time_entry_set(actor=people.cody, task_id=task_of(make_project()).pk, day=MON, hours="2")
    assert exc.value.code == "no_consultant"
    with pytest.raises(PermissionDenied):
        services.time_entry_set(actor=people.olga, task_id=task_of(make_project()).pk, day=MON, hours="2")


def test_pubsec_tasks_are_invisible_to_non_members(people, make_project, cody_consultant, pat_consultant):
    project = make_project(pubsec=True)
    with pytest.raises(NotFound):
        _log(people, task_of(project), MON, "2")
    from django.contrib.auth.models import Group, User

    people.pat.groups.add(Group.objects.get(name="consultant"))
    pat = User.objects.get(pk=people.pat.pk)
    e = services.time_entry_set(actor=pat, task_id=task_of(project).pk, day=MON, hours="2")
    assert e is not None and e.project_id == project.pk


def test_the_pm_approves_a_submitted_week_and_its_entries_lock(people, make_project, cody_consultant):
    project = make_project()
    e = _log(people, task_of(project), MON, "4")
    with pytest.raises(TransitionNotAllowed):
        services.week_transition(week_id=e.week_id, action="submit", actor=people.oscar)
    services.week_submit(actor=people.cody, project_id=project.pk, week_start=MON + timedelta(days=2))
    assert Notification.objects.filter(recipient=people.paula, event="timesheet.submitted").exists()
    with pytest.raises(Conflict) as exc:
        _log(people, task_of(project), MON, "5")
    assert exc.value.code == "week_locked"
    with pytest.raises(PermissionDenied):
        services.week_transition(week_id=e.week_id, action="approve", actor=people.cody)
    applied = services.week_transition(week_id=e.week_id, action="approve", actor=people.paula)
    assert applied.obj.status == WeekStatus.APPROVED
    week = TimesheetWeek.objects.get(pk=e.week_id)
    assert week.decided_by == people.paula
    assert AuditEvent.objects.filter(verb="timesheets.approve").count() == 1
    with pytest.raises(Conflict) as exc:
        services.time_entry_delete(actor=people.cody, entry_id=e.pk)
    assert "approved and locked" in exc.value.message
    assert TimeEntry.objects.get(pk=e.pk).hours == D("4")


def test_only_the_projects_manager_decides_and_a_return_needs_a_reason(people, make_project, cody_consultant):
    from django.contrib.auth.models import Group

    project = make_project()
    e = _log(people, task_of(project), MON, "4")
    services.week_submit(actor=people.cody, project_id=project.pk, week_start=MON)
    other_pc = people.mona
    other_pc.groups.add(Group.objects.get(name="ps-scheduling"))
    other_pc = type(other_pc).objects.get(pk=other_pc.pk)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.week_transition(week_id=e.week_id, action="approve", actor=other_pc)
    assert "Only the project's manager (Paula Park)" in exc.value.message
    with pytest.raises(TransitionNotAllowed):
        services.week_transition(week_id=e.week_id, action="return", actor=people.paula, reason="")
    services.week_transition(week_id=e.week_id, action="return", actor=people.paula, reason="split the Tuesday")
    week = TimesheetWeek.objects.get(pk=e.week_id)
    assert (week.status, week.return_reason) == (WeekStatus.RETURNED, "split the Tuesday")
    assert Notification.objects.filter(recipient=people.cody, event="timesheet.returned").exists()
    _log(people, task_of(project), MON, "3")  # editable again
    with pytest.raises(TransitionNotAllowed):  # returned, not submitted
        services.week_transition(week_id=e.week_id, action="approve", actor=people.oscar)


def test_budget_alerts_go_to_the_pm_and_em_once_per_threshold(people, make_project, cody_consultant):
    project = make_project()  # 28 budget hours
    build, manage = task_of(project), task_of(project, "Manage")
    _log(people, build, MON, "8")
    _log(people, build, MON + timedelta(days=1), "8")
    _log(people, manage, MON + timedelta(days=2), "7")  # 23 h = 82 %
    assert list(BudgetAlert.objects.values_list("ratio", flat=True)) == [D("0.800")]
    _log(people, build, MON + timedelta(days=3), "1")
    assert BudgetAlert.objects.count() == 1
    for who in (people.paula, people.erin):
        assert Notification.objects.filter(recipient=who, event="project.budget_threshold").count() == 1
    _log(people, build, MON + timedelta(days=4), "3")
    _log(people, manage, MON + timedelta(days=4), "1")  # 28 h = 100 %
    assert list(BudgetAlert.objects.values_list("ratio", flat=True)) == [D("0.800"), D("1.000")]


def test_budget_burn_figures_use_standard_cost_rates_and_the_pms_estimate(people, make_project, cody_consultant):
    project = make_project()
    _log(people, task_of(project), MON, "8")
    view = selectors.budget_burn(project)
    rate = selectors._rate(selectors._cost_rate_table(), "PSE", (2026, 4))
    assert rate > 0
    assert view.burn.actual_hours == D("8") and view.burn.actual_cost == (D("8") * rate).quantize(D("0.01"))
    assert view.burn.etc_hours == D("20") and not view.burn.etc_entered
    with pytest.raises(PermissionDenied):
        services.estimate_to_complete_set(actor=people.cody, project_id=project.pk, hours="30")
    services.estimate_to_complete_set(actor=people.paula, project_id=project.pk, hours="30", note="scope grew")
    view = selectors.budget_burn(project)
    assert (view.burn.etc_hours, view.burn.eac_hours, view.burn.over_budget) == (D("30"), D("38"), True)
    assert view.series == [(MON, D("20"))]


def test_csv_import_stores_good_rows_and_reports_each_refused_row(people, make_project, cody_consultant):
    project = make_project()
    build, manage = task_of(project), task_of(project, "Manage")
    csv = (
        "task_id,day,hours,note\n"
        f"{build.pk},2026-11-23,4,kickoff\n"
        f"{build.pk},2026-11-30,4,future\n"
        f"{manage.pk},2026-11-24,9,too much\n"
        f"999999,2026-11-24,1,\n"
        f"x,2026-11-24,1,\n"
    )
    report = services.time_import_csv(actor=people.cody, content=csv.encode())
    assert [(r.row, r.ok) for r in report.rows] == [(2, True), (3, False), (4, False), (5, False), (6, False)]
    assert "future" in report.rows[1].message and "budget" in report.rows[2].message
    assert TimeEntry.objects.count() == 1
    from psdesk.core.errors import BadRequest

    with pytest.raises(BadRequest):
        services.time_import_csv(actor=people.cody, content=b"task,hours\n1,2\n")


def test_approved_hours_reduce_the_forecast_demand_of_the_project(people, make_project, cody_consultant):
    from psdesk.scheduling.role_hours import LineIn
    from psdesk.scheduling.selectors import forecast_inputs_get
    from psdesk.scheduling.services import queue_enter

    project = make_project()
    entry = queue_enter(
        role_hours=[LineIn("PSE", 20, 4)],
        opportunity=project.opportunity,
        actor=people.paula,
        closed_won_at=project.booked_at,
    )
    e = _log(people, task_of(project), MON, "8")

    def pse_hours() -> float:
        inputs = forecast_inputs_get()
        demand = next(d for d in inputs.committed_demands if d.key == entry.pk)
        return sum(ln.weeks for ln in demand.lines)

    before = pse_hours()
    services.week_submit(actor=people.cody, project_id=project.pk, week_start=MON)
    services.week_transition(week_id=e.week_id, action="approve", actor=people.paula)
    assert pse_hours() < before


def test_milestone_burn_counts_the_tasks_its_activities_name_and_close_out_waits_for_approval(
    people, make_project, cody_consultant
):
    from psdesk.delivery.models import Milestone, MilestoneActivity
    from psdesk.timesheets.selectors import time_all_approved_refusal

    project = make_project()
    m1 = Milestone.objects.create(project=project, position=1, name="Build it", hours=D("20"), fee=D("6600"))
    MilestoneActivity.objects.create(milestone=m1, position=1, activity="Build", hours=D("20"), fee=D("6600"))
    Milestone.objects.create(project=project, position=2, name="Run it", hours=D("8"), fee=D("2640"))
    assert time_all_approved_refusal(project) is None
    e = _log(people, task_of(project), MON, "5")
    _log(people, task_of(project, "Manage"), MON, "2")
    view = selectors.budget_burn(project)
    assert [(m.milestone.name, m.burn.actual_hours, m.burn.burn_ratio) for m in view.milestones] == [
        ("Build it", D("5.00"), D("0.2500")),
        ("Run it", D("0.00"), D("0.0000")),
    ]
    assert time_all_approved_refusal(project) == (
        f"1 week of time on {project.name} is not approved yet: the project manager approves or returns them first."
    )
    services.week_submit(actor=people.cody, project_id=project.pk, week_start=MON)
    services.week_transition(week_id=e.week_id, action="approve", actor=people.paula)
    assert time_all_approved_refusal(project) is None
