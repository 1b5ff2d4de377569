"""Reads: the consultant of a user, the weekly timesheet grid, weeks waiting on a project manager,
work authorisation (executed paperwork or a work-at-risk approval), budget burn with its burn-down
series, utilisation per consultant and team, and the My work groups.

Every read that lists rows runs a constant number of queries whatever the number of entries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear, TruncWeek

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.catalog import pricing
from psdesk.catalog.models import StandardCostRate
from psdesk.catalog.selectors import pricing_policy_get
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor, AnyUser
from psdesk.delivery.choices import CHANGE_ORDER_OPEN, ChangeOrderStatus
from psdesk.delivery.models import ChangeOrder, Milestone
from psdesk.delivery.selectors import project_budget
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project, ProjectTask
from psdesk.scheduling.models import Allocation, Consultant
from psdesk.timesheets.burn import Burn, burn_compute, hours_q
from psdesk.timesheets.choices import WeekStatus, WorkAtRiskStatus
from psdesk.timesheets.models import (
    EstimateToComplete,
    TimeEntry,
    TimesheetsPolicy,
    TimesheetWeek,
    WorkAtRisk,
)

ZERO = Decimal("0")
# Project statuses in which time may be logged (a Prospect only under a work-at-risk approval).
LOGGABLE_STATES: tuple[str, ...] = (
    ProjectStatus.PROSPECT,
    ProjectStatus.IN_SET_UP,
    ProjectStatus.OKAY_TO_START,
    ProjectStatus.ACTIVE,
)


def policy_get() -> TimesheetsPolicy:
    """The timesheets policy row (created with its defaults when absent)."""
    policy, _ = TimesheetsPolicy.objects.get_or_create(id=1)
    return policy


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def consultant_for_user(user: AnyUser | None) -> Consultant | None:
    """The active consultant record linked to `user`, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Consultant.objects.filter(user_id=user.pk, active=True).first()


def project_manager_of(project: Project) -> Any:
    """The project's manager: its coordinator (who approves its time)."""
    return project.coordinator


def task_get(*, user: AnyUser | None, task_id: int) -> ProjectTask:
    """A task of a project `user` may see (404 otherwise, PubSec included)."""
    task = (
        ProjectTask.objects.select_related("project", "project__account", "project__coordinator")
        .filter(pk=task_id, project__in=Project.objects.visible_to(user))
        .first()
    )
    if task is None:
        raise NotFound(f"Task {task_id} not found.", details={"task_id": task_id})
    return task


def week_get(*, user: AnyUser | None, week_id: int) -> TimesheetWeek:
    week = (
        TimesheetWeek.objects.visible_to(user)
        .select_related("consultant", "project", "project__account", "project__coordinator", "decided_by")
        .filter(pk=week_id)
        .first()
    )
    if week is None:
        raise NotFound(f"Timesheet week {week_id} not found.", details={"week_id": week_id})
    return week


def paperwork_executed(project: Project) -> bool:
    """Booked (Closed Won needs the executed SOW or the signed order form) means work is authorised."""
    return project.booked_at is not None


def change_order_added_tasks(co: ChangeOrder) -> list[tuple[str, str]]:
    """The (activity, role) of the lines a change order adds: its own tasks, opened for work at risk
    before it is executed (changed lines are existing tasks of the SOW and stay SOW work)."""
    return [(ln["activity"][:200], ln["role"]) for ln in co.delta.get("lines", []) if ln.get("kind") == "added"]


def change_order_added_hours(co: ChangeOrder) -> Decimal:
    """The hours of the lines a change order adds (the most a work-at-risk approval on it may cap)."""
    return sum((Decimal(str(ln["hours_after"])) for ln in co.delta.get("lines", []) if ln.get("kind") == "added"), ZERO)


def _cap_refusal(project: Project, war: WorkAtRisk, *, hours: Decimal, exclude_entry_id: int | None) -> str | None:
    used_qs = TimeEntry.objects.filter(work_at_risk=war)
    if exclude_entry_id is not None:
        used_qs = used_qs.exclude(pk=exclude_entry_id)
    used = used_qs.aggregate(h=Sum("hours"))["h"] or ZERO
    if used + hours > war.hours_cap:
        what = f"{war.change_order.code} on {project.name}" if war.change_order is not None else project.name
        return (
            f"The work-at-risk approval for {what} caps time at {war.hours_cap} h; {used} h are logged, "
            f"so {hours} h more would exceed it."
        )
    return None


def _change_order_task_authorisation(
    project: Project, task: ProjectTask, *, hours: Decimal, on: date, exclude_entry_id: int | None
) -> tuple[bool, str | None, WorkAtRisk | None]:
    """(is change-order work, refusal, approval) for a task opened for work at risk on a change
    order: while the change order is not executed, time needs a current approval under its cap;
    once executed it is ordinary work; a declined, rejected, withdrawn or expired change order's
    tasks take no more time."""
    wars = list(
        WorkAtRisk.objects.filter(tasks=task, change_order__isnull=False)
        .select_related("change_order")
        .order_by("-expires_on", "-id")
    )
    co = wars[0].change_order if wars else None
    if co is None or co.status == ChangeOrderStatus.EXECUTED:
        return False, None, None
    if co.status not in CHANGE_ORDER_OPEN:
        return (
            True,
            f"{task.name} is work of {co.code}, which is {co.get_status_display().lower()}: "
            "time on it is not authorised.",
            None,
        )
    current = [w for w in wars if w.status == WorkAtRiskStatus.APPROVED and w.expires_on >= on]
    if not current:
        last = max(w.expires_on for w in wars)
        return (
            True,
            f"The work-at-risk approval for {co.code} expired on {last:%d %b %Y}; the change order is not "
            "executed. Ask PS Leadership to extend it.",
            None,
        )
    war = current[0]
    refusal = _cap_refusal(project, war, hours=hours, exclude_entry_id=exclude_entry_id)
    return True, refusal, (None if refusal else war)


def work_authorisation_refusal(
    project: Project,
    *,
    hours: Decimal,
    on: date,
    exclude_entry_id: int | None = None,
    task: ProjectTask | None = None,
) -> tuple[str | None, WorkAtRisk | None]:
    """(refusal, approval): why time cannot be logged on `project` (and `task`) on `on`, or the
    work-at-risk approval it falls under (None when the paperwork is executed). A task of a change
    order not executed yet needs that change order's work-at-risk approval."""
    if project.status not in LOGGABLE_STATES:
        return (f"{project.name} is {project.get_status_display()}: time is logged only while it is in delivery.", None)
    if task is not None:
        is_co_work, refusal, co_war = _change_order_task_authorisation(
            project, task, hours=hours, on=on, exclude_entry_id=exclude_entry_id
        )
        if is_co_work:
            return refusal, co_war
    if paperwork_executed(project):
        return None, None
    approvals = list(
        WorkAtRisk.objects.filter(project=project, status=WorkAtRiskStatus.APPROVED, change_order__isnull=True)
    )
    current = [a for a in approvals if a.expires_on >= on]
    if not current:
        if approvals:
            last = max(a.expires_on for a in approvals)
            return (
                f"The work-at-risk approval for {project.name} expired on {last:%d %b %Y}; the SOW is not executed. "
                "Ask PS Leadership to extend it.",
                None,
            )
        return (
            f"{project.name} has no executed SOW or order form and no work-at-risk approval from PS Leadership: "
            "ask for work at risk before logging time.",
            None,
        )
    war = max(current, key=lambda a: a.expires_on)
    refusal = _cap_refusal(project, war, hours=hours, exclude_entry_id=exclude_entry_id)
    return (refusal, None) if refusal else (None, war)


# --- the weekly timesheet ---------------------------------------------------------------------------


@dataclass
class GridRow:
    task: ProjectTask
    cells: list[tuple[date, TimeEntry | None]]
    total: Decimal
    week: TimesheetWeek | None

    @property
    def locked(self) -> bool:
        return self.week is not None and self.week.status in (WeekStatus.SUBMITTED, WeekStatus.APPROVED)


@dataclass
class Timesheet:
    consultant: Consultant
    week_start: date
    days: list[date]
    rows: list[GridRow]
    weeks: list[TimesheetWeek]
    day_totals: list[Decimal]
    total: Decimal
    addable: list[tuple[int, str]] = field(default_factory=list)  # (task id, "project · task")

    @property
    def projects(self) -> list[tuple[Project, TimesheetWeek | None, Decimal]]:
        """Each project on the sheet with its week (if any) and the hours logged on it."""
        seen: dict[int, tuple[Project, TimesheetWeek | None, Decimal]] = {}
        for r in self.rows:
            p = r.task.project
            prev = seen.get(p.pk)
            seen[p.pk] = (p, r.week, (prev[2] if prev else ZERO) + r.total)
        return list(seen.values())


def timesheet_get(
    *, user: AnyUser | None, consultant: Consultant, week_start: date, extra_task_ids: Sequence[int] = ()
) -> Timesheet:
    """The grid of `consultant`'s week: one row per task with entries that week, per task of a
    project they are staffed on or assigned to, and per task in `extra_task_ids`; the tasks they
    may add. Five queries whatever the number of entries."""
    week_start = monday_of(week_start)
    days = [week_start + timedelta(days=i) for i in range(7)]
    visible = Project.objects.visible_to(user)
    entries = list(TimeEntry.objects.filter(consultant=consultant, day__gte=days[0], day__lte=days[-1]).order_by("day"))
    weeks = list(
        TimesheetWeek.objects.filter(consultant=consultant, week_start=week_start)
        .select_related("project", "decided_by")
        .order_by("project_id")
    )
    staffed_opps = Allocation.objects.filter(
        consultant=consultant, ends_on__gte=days[0], starts_on__lte=days[-1], entry__opportunity__isnull=False
    ).values("entry__opportunity_id")
    tasks = list(
        ProjectTask.objects.select_related("project", "project__account")
        .filter(project__in=visible)
        .filter(
            Q(pk__in={e.task_id for e in entries} | set(extra_task_ids))
            | Q(project__status__in=LOGGABLE_STATES)
            & (Q(project__opportunity_id__in=staffed_opps) | Q(assignee_label=consultant.name))
        )
        .order_by("project__name", "project_id", "position", "id")[:200]
    )
    by_cell = {(e.task_id, e.day): e for e in entries}
    by_project = {w.project_id: w for w in weeks}
    rows = []
    for t in tasks:
        cells = [(d, by_cell.get((t.pk, d))) for d in days]
        rows.append(GridRow(t, cells, sum((e.hours for _, e in cells if e), ZERO), by_project.get(t.project_id)))
    shown = {t.pk for t in tasks}
    addable = [
        (pk, f"{project_name} · {name}")
        for pk, name, project_name in ProjectTask.objects.filter(
            project__in=visible, project__status__in=LOGGABLE_STATES
        )
        .order_by("project__name", "project_id", "position", "id")
        .values_list("pk", "name", "project__name")[:300]
        if pk not in shown
    ]
    day_totals = [sum((e.hours for e in entries if e.day == d), ZERO) for d in days]
    return Timesheet(consultant, week_start, days, rows, weeks, day_totals, sum(day_totals, ZERO), addable)


# --- weeks and approvals ----------------------------------------------------------------------------


def weeks_to_approve(user: Actor) -> Any:
    """Submitted weeks on projects `user` manages (all of them with the backup permission)."""
    qs = TimesheetWeek.objects.visible_to(user).filter(status=WeekStatus.SUBMITTED)
    if not user.has_perm("timesheets.approve_any_timesheet"):
        qs = qs.filter(project__coordinator=user)
    return qs


def week_entries(week: TimesheetWeek) -> list[TimeEntry]:
    return list(week.entries.select_related("task").order_by("day", "task__position", "id"))


def my_work_timesheets_to_approve(user: Actor) -> WorkGroup | None:
    """Project manager: submitted weeks on their projects, oldest first (two queries)."""
    if not user.has_perm("timesheets.approve_timesheet"):
        return None
    qs = weeks_to_approve(user)
    weeks = list(
        qs.select_related("consultant", "project")
        .annotate(h=Sum("entries__hours"))
        .order_by("submitted_at", "id")[:ITEMS_PER_GROUP]
    )
    items = [
        WorkItem(
            title=f"{w.consultant.name} · {w.project.name} · week of {w.week_start:%d %b}",
            url=w.get_absolute_url(),
            since=w.submitted_at or clock.now(),
            note=f"{getattr(w, 'h', None) or ZERO} h",
        )
        for w in weeks
    ]
    return WorkGroup(key="timesheets_to_approve", title="Timesheets to approve", count=qs.count(), items=items)


def my_work_work_at_risk_to_decide(user: Actor) -> WorkGroup | None:
    """PS Leadership: work-at-risk requests waiting for a decision."""
    if not user.has_perm("timesheets.decide_work_at_risk"):
        return None
    qs = WorkAtRisk.objects.visible_to(user).filter(status=WorkAtRiskStatus.REQUESTED)
    rows = list(qs.select_related("project").order_by("requested_at", "id")[:ITEMS_PER_GROUP])
    items = [
        WorkItem(
            title=f"Work at risk: {w.project.name}",
            url="/timesheets/work-at-risk/",
            since=w.requested_at,
            note=f"{w.hours_cap} h until {w.expires_on:%d %b}",
        )
        for w in rows
    ]
    return WorkGroup(key="work_at_risk_to_decide", title="Work at risk to decide", count=qs.count(), items=items)


def my_work_timesheet_due(user: Actor) -> WorkGroup | None:
    """Consultant: this week's timesheet, with weeks returned to them for correction."""
    consultant = consultant_for_user(user)
    if consultant is None:
        return None
    returned = list(
        TimesheetWeek.objects.visible_to(user)
        .filter(consultant=consultant, status=WeekStatus.RETURNED)
        .select_related("project")
        .order_by("week_start")[:ITEMS_PER_GROUP]
    )
    monday = monday_of(clock.today())
    items = [
        WorkItem(
            title=f"Returned: {w.project.name} · week of {w.week_start:%d %b}",
            url=f"/timesheets/?week={w.week_start.isoformat()}",
            since=w.decided_at or clock.now(),
            note=w.return_reason[:80],
            urgent=True,
        )
        for w in returned
    ]
    items.append(
        WorkItem(
            title=f"Timesheet: week of {monday:%d %b}", url="/timesheets/", since=clock.now(), note="log your hours"
        )
    )
    return WorkGroup(key="timesheet_due", title="Your timesheet", count=len(items), items=items)


def time_all_approved_refusal(project: Project) -> str | None:
    """Close-out check (registered with `delivery.services.register_close_out_check`): every week
    of time logged on the project is approved."""
    pending = (
        TimesheetWeek.objects.filter(project=project, entries__isnull=False)
        .exclude(status=WeekStatus.APPROVED)
        .values("pk")
        .distinct()
        .count()
    )
    if pending:
        return (
            f"{pending} week{'s' if pending != 1 else ''} of time on {project.name} "
            f"{'are' if pending != 1 else 'is'} not approved yet: the project manager approves or returns them first."
        )
    return None


# --- budget burn ------------------------------------------------------------------------------------


def _cost_rate_table() -> dict[str, list[tuple[tuple[int, int], Decimal]]]:
    """Role → [((year, quarter), hourly cost rate)] newest first (one query; the table is small)."""
    default_hours = pricing_policy_get().billable_hours_per_year
    table: dict[str, list[tuple[tuple[int, int], Decimal]]] = defaultdict(list)
    for row in StandardCostRate.objects.order_by("role", "-year", "-quarter"):
        rate = pricing.cost_rate(
            annual_ote=row.annual_ote, benefits=row.benefits, billable_hours=row.billable_hours or default_hours
        )
        table[row.role].append(((row.year, row.quarter), rate))
    return table


def _rate(table: dict[str, list[tuple[tuple[int, int], Decimal]]], role: str, yq: tuple[int, int]) -> Decimal:
    """The rate in force in quarter `yq` (that quarter's row or the latest earlier); 0 when none."""
    for q, rate in table.get(role, []):
        if q <= yq:
            return rate
    return ZERO


@dataclass
class BurnView:
    project: Project
    burn: Burn
    currency: str
    series: list[tuple[date, Decimal]]  # (week, remaining budget hours after that week)
    etc: EstimateToComplete | None
    flagged_hours: Decimal
    milestones: list[MilestoneBurn] = field(default_factory=list)


def project_get_for_burn(*, user: AnyUser | None, project_id: int) -> Project:
    project = Project.objects.visible_to(user).select_related("account", "coordinator").filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"Project {project_id} not found.", details={"project_id": project_id})
    return project


def project_budget_hours(project: Project) -> tuple[Decimal, Decimal, list[tuple[int, str, str, Decimal]]]:
    """(budget hours, budget fee, [(task id, task name, role, hours)]): what the customer bought
    (`delivery.selectors.project_budget`: the agreed estimate plus executed change orders), the
    project's tasks standing in for the hours when there is no agreed estimate (standard SKUs)."""
    budget = project_budget(project)
    rows = list(project.tasks.values_list("pk", "name", "role", "hours"))
    task_hours = sum((r[3] for r in rows), ZERO)
    return (budget.hours if budget.hours > 0 else task_hours), budget.fee, rows


@dataclass
class MilestoneBurn:
    """One milestone's burn: the hours of the tasks named by its activities."""

    milestone: Milestone
    burn: Burn


def budget_burn(project: Project) -> BurnView:
    """Budget, actuals (hours, and cost at the standard cost rate of the consultant's role in the
    quarter worked), earned value, estimate to complete, forecast and margin at completion, and the
    weekly burn-down series. Nine queries whatever the number of entries; per milestone, the
    hours of the tasks its activities name."""
    budget_hours, budget_fee, task_rows = project_budget_hours(project)
    table = _cost_rate_table()
    entries = TimeEntry.objects.filter(project=project)
    by_task_role_quarter = (
        entries.annotate(y=ExtractYear("day"), q=ExtractQuarter("day"))
        .values("task_id", "consultant__role", "y", "q", "week__status", "over_budget")
        .annotate(h=Sum("hours"))
        .order_by()
    )
    actual_hours = approved = cost = flagged = ZERO
    per_task: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])  # hours, approved, cost
    for r in by_task_role_quarter:
        h = r["h"]
        c = h * _rate(table, r["consultant__role"], (r["y"], r["q"]))
        actual_hours += h
        cost += c
        acc = per_task[r["task_id"]]
        acc[0] += h
        acc[2] += c
        if r["week__status"] == WeekStatus.APPROVED:
            approved += h
            acc[1] += h
        if r["over_budget"]:
            flagged += h
    today_q = pricing.quarter_of(clock.today())
    task_hours = sum((r[3] for r in task_rows), ZERO)
    planned_cost = sum((r[3] * _rate(table, r[2], today_q) for r in task_rows), ZERO)
    planned_rate = planned_cost / task_hours if task_hours > 0 else ZERO
    etc = EstimateToComplete.objects.filter(project=project).select_related("entered_by").first()
    b = burn_compute(
        budget_hours=budget_hours,
        budget_fee=budget_fee,
        actual_hours=actual_hours,
        approved_hours=approved,
        actual_cost=cost,
        etc_hours=etc.hours if etc else None,
        planned_cost_rate=planned_rate,
    )
    weekly = entries.annotate(w=TruncWeek("day")).values("w").annotate(h=Sum("hours")).order_by("w")
    series = []
    remaining = budget_hours
    for wr in weekly:
        remaining -= wr["h"]
        wk = wr["w"].date() if hasattr(wr["w"], "date") else wr["w"]
        series.append((wk, hours_q(remaining)))
    task_ids_by_name: dict[str, list[int]] = defaultdict(list)
    for tid, name, _role, _h in task_rows:
        task_ids_by_name[name].append(tid)
    milestones = []
    for m in Milestone.objects.filter(project=project).prefetch_related("activities").order_by("position"):
        ids = {tid for a in m.activities.all() for tid in task_ids_by_name.get(a.activity, [])}
        mh, ma, mc = (sum((per_task[t][i] for t in ids if t in per_task), ZERO) for i in range(3))
        milestones.append(
            MilestoneBurn(
                m,
                burn_compute(
                    budget_hours=m.hours,
                    budget_fee=m.fee,
                    actual_hours=mh,
                    approved_hours=ma,
                    actual_cost=mc,
                    etc_hours=None,
                    planned_cost_rate=planned_rate,
                ),
            )
        )
    return BurnView(project, b, project.currency, series, etc, hours_q(flagged), milestones)


def burn_chart_config(view: BurnView) -> dict[str, Any]:
    """A Chart.js line chart: remaining budget hours per week, and the forecast remaining."""
    labels = [w.isoformat() for w, _ in view.series]
    remaining = [float(h) for _, h in view.series]
    start = [float(view.burn.budget_hours)]
    return {
        "type": "line",
        "data": {
            "labels": ["start", *labels],
            "datasets": [
                {"label": "Budget hours remaining", "data": start + remaining, "borderColor": "#1f75cb"},
                {
                    "label": "Budget hours at completion (forecast)",
                    "data": [float(view.burn.budget_hours - view.burn.eac_hours)] * (len(labels) + 1),
                    "borderColor": "#c17d10",
                    "borderDash": [6, 4],
                    "pointRadius": 0,
                },
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "hours"}}}},
    }


def burn_list(*, user: AnyUser | None, limit: int = 100) -> list[tuple[Project, Decimal, Decimal]]:
    """Projects in delivery with (budget hours, actual hours), most burnt first (two queries)."""
    projects = list(
        Project.objects.visible_to(user)
        .filter(status__in=LOGGABLE_STATES)
        .annotate(budget_hours=Sum("tasks__hours"))
        .select_related("account")
        .order_by("name", "id")[:limit]
    )
    actual = dict(
        TimeEntry.objects.filter(project__in=[p.pk for p in projects])
        .values("project_id")
        .annotate(h=Sum("hours"))
        .values_list("project_id", "h")
    )
    rows = [(p, p.budget_hours or ZERO, actual.get(p.pk, ZERO)) for p in projects]  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: -(r[2] / r[1]) if r[1] else 0)


# --- utilisation ------------------------------------------------------------------------------------


@dataclass
class UtilCell:
    week: date
    hours: Decimal
    ratio: Decimal
    source: str  # "actual" (logged billable hours) or "booked" (scheduling allocations)
    level: str  # "under", "near", "on", "over" against the role's target


@dataclass
class UtilRow:
    label: str
    role: str
    target: Decimal
    cells: list[UtilCell]


def _level(ratio: Decimal, target: Decimal) -> str:
    if ratio > Decimal("1"):
        return "over"
    if ratio >= target:
        return "on"
    if ratio >= target * Decimal("0.8"):
        return "near"
    return "under"


def utilisation(
    *, weeks_back: int = 6, weeks_ahead: int = 6, today: date | None = None, limit: int = 400
) -> tuple[list[date], list[UtilRow], list[UtilRow]]:
    """(weeks, consultant rows, team rows): billable hours / weekly capacity per week, from logged
    billable time for past weeks (this week included) and from scheduling allocations for future
    weeks, against the policy's target for the role. Teams are the consultant roles. Four queries."""
    policy = policy_get()
    monday = monday_of(today or clock.today())
    weeks = [monday + timedelta(weeks=i) for i in range(-weeks_back, weeks_ahead + 1)]
    consultants = list(Consultant.objects.filter(active=True).order_by("role", "name", "id")[:limit])
    ids = [c.pk for c in consultants]
    actual: dict[tuple[int, date], Decimal] = {}
    for r in (
        TimeEntry.objects.filter(consultant_id__in=ids, billable=True, day__gte=weeks[0], day__lt=monday + timedelta(7))
        .annotate(w=TruncWeek("day"))
        .values("consultant_id", "w")
        .annotate(h=Sum("hours"))
        .order_by()
    ):
        wk = r["w"].date() if hasattr(r["w"], "date") else r["w"]
        actual[(r["consultant_id"], wk)] = r["h"]
    booked: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
    future = [w for w in weeks if w > monday]
    if future:
        for a in Allocation.objects.filter(
            consultant_id__in=ids, ends_on__gte=future[0], starts_on__lte=future[-1] + timedelta(6)
        ):
            for w in future:
                if a.starts_on <= w + timedelta(4) and a.ends_on >= w:
                    booked[(a.consultant_id, w)] += a.weekly_hours
    rows = []
    team_hours: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    team_cap: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for c in consultants:
        target = policy.target_for(c.role)
        cap = c.weekly_capacity_hours or ZERO
        team_cap[c.role] += cap
        cells = []
        for w in weeks:
            src = "actual" if w <= monday else "booked"
            h = actual.get((c.pk, w), ZERO) if src == "actual" else booked.get((c.pk, w), ZERO)
            team_hours[c.role][w] += h
            ratio = (h / cap).quantize(Decimal("0.01")) if cap > 0 else ZERO
            cells.append(UtilCell(w, hours_q(h), ratio, src, _level(ratio, target)))
        rows.append(UtilRow(c.name, c.role, target, cells))
    teams = []
    for role, per_week in sorted(team_hours.items()):
        target = policy.target_for(role)
        cap = team_cap[role]
        cells = []
        for w in weeks:
            h = per_week[w]
            ratio = (h / cap).quantize(Decimal("0.01")) if cap > 0 else ZERO
            src = "actual" if w <= monday else "booked"
            cells.append(UtilCell(w, hours_q(h), ratio, src, _level(ratio, target)))
        teams.append(UtilRow(role, role, target, cells))
    return weeks, rows, teams


def approved_hours_by_opportunity_role(opportunity_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """Approved hours per (opportunity, consultant role): what the lead-time forecast no longer needs."""
    out: dict[tuple[int, str], Decimal] = {}
    for r in (
        TimeEntry.objects.filter(project__opportunity_id__in=opportunity_ids, week__status=WeekStatus.APPROVED)
        .values("project__opportunity_id", "consultant__role")
        .annotate(h=Sum("hours"))
        .order_by()
    ):
        out[(r["project__opportunity_id"], r["consultant__role"])] = r["h"]
    return out
