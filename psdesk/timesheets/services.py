"""Writes: time entries (set, delete, CSV import with a per-row report), the week's moves
(submit, approve, return), work-at-risk requests and decisions, the project manager's estimate to
complete, and the budget alerts those writes trigger. Every write records an audit row in its own
transaction; notifications leave through the outbox after commit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.core import clock
from psdesk.core.errors import BadRequest, Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.delivery.choices import CHANGE_ORDER_OPEN
from psdesk.delivery.models import ChangeOrder
from psdesk.notifications.services import notify
from psdesk.projects.models import Project
from psdesk.projects.services import project_tasks_open
from psdesk.scheduling.models import Consultant
from psdesk.timesheets.burn import thresholds_crossed
from psdesk.timesheets.choices import LOCKED_WEEK_STATES, WeekStatus, WorkAtRiskStatus
from psdesk.timesheets.models import BudgetAlert, EstimateToComplete, TimeEntry, TimesheetWeek, WorkAtRisk
from psdesk.timesheets.selectors import (
    budget_burn,
    change_order_added_hours,
    change_order_added_tasks,
    consultant_for_user,
    monday_of,
    policy_get,
    project_get_for_burn,
    task_get,
    work_authorisation_refusal,
)
from psdesk.timesheets.workflow import WEEK_WORKFLOW

ZERO = Decimal("0")
QUARTER = Decimal("0.25")


def _consultant_of(actor: Actor, consultant_id: int | None) -> Consultant:
    """The actor's own consultant record, or (PS Ops, importing for others) the one named."""
    own = consultant_for_user(actor)
    if consultant_id is None or (own is not None and own.pk == consultant_id):
        if own is None:
            raise ValidationFailed(
                "No consultant record is linked to your user; ask PS Ops to link one.", code="no_consultant"
            )
        return own
    permission_require(actor, "timesheets.approve_any_timesheet")
    other = Consultant.objects.filter(pk=consultant_id, active=True).first()
    if other is None:
        raise NotFound(f"Consultant {consultant_id} not found.", details={"consultant_id": consultant_id})
    return other


def _hours(value: Any, name: str = "hours") -> Decimal:
    try:
        h = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{name} must be a number of hours, e.g. 7.5.", details={"field": name}) from None
    if not h.is_finite() or h < 0 or h > 24:
        raise ValidationFailed(f"{name} must be between 0 and 24.", details={"field": name})
    if h % QUARTER != 0:
        raise ValidationFailed(f"{name} is logged in quarter hours (0.25).", details={"field": name})
    return h.quantize(Decimal("0.01"))


def _entry_dict(e: TimeEntry) -> dict[str, Any]:
    return {
        "task": e.task_id,
        "day": e.day.isoformat(),
        "hours": str(e.hours),
        "billable": e.billable,
        "note": e.note,
        "over_budget": e.over_budget,
        "work_at_risk": e.work_at_risk_id,
    }


def time_entry_set(
    *,
    actor: Actor,
    task_id: int,
    day: date,
    hours: Decimal | str | float,
    billable: bool = True,
    note: str = "",
    acknowledge_over_budget: bool = False,
    consultant_id: int | None = None,
    expected_version: int | None = None,
) -> TimeEntry | None:
    """Set the hours of the actor (or, for PS Ops, `consultant_id`) on a task and day; 0 removes
    the entry. Refuses (nothing written): a future day (422), a day total above the policy (422),
    an unauthorised project — no executed paperwork and no current work-at-risk approval, or one
    whose cap would be exceeded (409, naming what is missing) —, a submitted or approved week
    (409), a stale `expected_version` (409), hours over the task's budget without
    `acknowledge_over_budget` (422 `over_budget`). Audited; may send budget alerts."""
    permission_require(actor, "timesheets.log_time")
    h = _hours(hours)
    if day > clock.today():
        raise ValidationFailed("Time is logged for days already worked, not future days.", details={"field": "day"})
    if len(note) > 500:
        raise ValidationFailed("The note is at most 500 characters.", details={"field": "note"})
    task = task_get(user=actor, task_id=task_id)
    project = task.project
    with transaction.atomic():
        consultant = Consultant.objects.select_for_update().get(pk=_consultant_of(actor, consultant_id).pk)
        existing = TimeEntry.objects.select_for_update().filter(consultant=consultant, task=task, day=day).first()
        if expected_version is not None and (existing is None or existing.version != expected_version):
            raise Conflict(
                "This entry changed since you loaded it; reload and try again.",
                code="stale",
                details={
                    "expected_version": expected_version,
                    "current_version": existing.version if existing else None,
                },
            )
        week_start = monday_of(day)
        week = TimesheetWeek.objects.filter(consultant=consultant, project=project, week_start=week_start).first()
        if week is not None and week.status in LOCKED_WEEK_STATES:
            what = "approved and locked" if week.status == WeekStatus.APPROVED else "submitted for approval"
            raise Conflict(
                f"The week of {week_start:%d %b %Y} on {project.name} is {what}; its entries cannot change.",
                code="week_locked",
                details={"week_id": week.pk, "status": week.status},
            )
        before = _entry_dict(existing) if existing else None
        if h == 0:
            if existing is None:
                return None
            existing.delete()
            audit_record(verb="timesheets.entry_deleted", actor=actor, target=task, before=before, after=None)
            return None
        old = existing.hours if existing else ZERO
        refusal, war = work_authorisation_refusal(
            project, hours=h, on=day, exclude_entry_id=existing.pk if existing else None, task=task
        )
        if refusal:
            raise Conflict(refusal, code="work_not_authorised", details={"project_id": project.pk})
        day_total = TimeEntry.objects.filter(consultant=consultant, day=day).aggregate(s=Sum("hours"))["s"] or ZERO
        limit = policy_get().max_hours_per_day
        if day_total - old + h > limit:
            raise ValidationFailed(
                f"{consultant.name} would log {day_total - old + h} h on {day:%d %b %Y}; "
                f"the most per day is {limit} h.",
                details={"field": "hours", "day_total": str(day_total - old + h)},
            )
        logged = TimeEntry.objects.filter(task=task).aggregate(s=Sum("hours"))["s"] or ZERO
        over = logged - old + h > task.hours
        if over and h > old and not acknowledge_over_budget:
            raise ValidationFailed(
                f"{task.name} has a budget of {task.hours} h and {logged} h are logged; {h} h would exceed it. "
                "Acknowledge the overrun to log it.",
                code="over_budget",
                details={
                    "field": "acknowledge_over_budget",
                    "task_id": task.pk,
                    "budget": str(task.hours),
                    "logged": str(logged),
                },
            )
        if week is None:
            week = TimesheetWeek.objects.create(consultant=consultant, project=project, week_start=week_start)
        entry = existing or TimeEntry(consultant=consultant, project=project, task=task, day=day, week=week)
        entry.hours = h
        entry.billable = billable
        entry.note = note
        entry.over_budget = over
        entry.work_at_risk = war
        entry.week = week
        entry.created_by = entry.created_by or actor
        entry.updated_at = clock.now()
        entry.version = (existing.version + 1) if existing else 0
        entry.save()
        audit_record(
            verb="timesheets.entry_logged",
            actor=actor,
            target=entry,
            before=before,
            after=_entry_dict(entry),
            reason="over the task budget, acknowledged" if over and h > old else "",
        )
        budget_alerts_check(project=project)
    return entry


def time_entry_delete(*, actor: Actor, entry_id: int, expected_version: int | None = None) -> None:
    """Delete one of the actor's entries (409 when its week is submitted or approved)."""
    entry = TimeEntry.objects.visible_to(actor).select_related("consultant").filter(pk=entry_id).first()
    if entry is None or (
        entry.consultant.user_id != actor.pk and not actor.has_perm("timesheets.approve_any_timesheet")
    ):
        raise NotFound(f"Time entry {entry_id} not found.", details={"entry_id": entry_id})
    time_entry_set(
        actor=actor,
        task_id=entry.task_id,
        day=entry.day,
        hours=0,
        consultant_id=entry.consultant_id,
        expected_version=expected_version,
    )


class _Rollback(Exception):
    """Raised inside `timesheet_save` to undo every cell when one is refused."""


def timesheet_save(
    *, actor: Actor, cells: list[tuple[int, date, str]], acknowledged_task_ids: set[int]
) -> dict[tuple[int, date], str]:
    """Save a week's grid: every changed cell (task id, day, hours) through `time_entry_set`, all
    or nothing. Returns the refusal of each refused cell (then nothing is stored)."""
    refusals: dict[tuple[int, date], str] = {}
    try:
        with transaction.atomic():
            for task_id, day, hours in cells:
                try:
                    with transaction.atomic():
                        time_entry_set(
                            actor=actor,
                            task_id=task_id,
                            day=day,
                            hours=hours or "0",
                            acknowledge_over_budget=task_id in acknowledged_task_ids,
                        )
                except DomainError as exc:
                    refusals[(task_id, day)] = exc.message
            if refusals:
                raise _Rollback
    except _Rollback:
        pass
    return refusals


@dataclass
class ImportRow:
    row: int
    ok: bool
    message: str
    entry_id: int | None = None


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


IMPORT_COLUMNS = ("task_id", "day", "hours")
MAX_IMPORT_ROWS = 5000


def time_import_csv(*, actor: Actor, content: bytes | str) -> ImportReport:
    """Import time from CSV (columns task_id, day (YYYY-MM-DD), hours; optional billable, note,
    acknowledge_over_budget, consultant_email for PS Ops). Each row is stored or refused on its
    own, with the same rules as `time_entry_set`; the report says which and why. A file without
    the required columns is refused whole (400)."""
    permission_require(actor, "timesheets.log_time")
    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    cols = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in cols]
    if missing:
        raise BadRequest(
            f"The CSV needs the columns {', '.join(IMPORT_COLUMNS)}; missing: {', '.join(missing)}.",
            details={"field": "file", "missing": missing},
        )
    report = ImportReport()
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            raise BadRequest(f"At most {MAX_IMPORT_ROWS} rows per file.", details={"field": "file"})
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        try:
            consultant_id = None
            if row.get("consultant_email"):
                c = Consultant.objects.filter(email__iexact=row["consultant_email"]).first()
                if c is None:
                    raise ValidationFailed(f"No consultant with email {row['consultant_email']}.")
                consultant_id = c.pk
            try:
                task_id = int(row.get("task_id", ""))
                day = date.fromisoformat(row.get("day", ""))
            except ValueError:
                raise ValidationFailed("task_id must be a number and day a date (YYYY-MM-DD).") from None
            entry = time_entry_set(
                actor=actor,
                task_id=task_id,
                day=day,
                hours=row.get("hours", ""),
                billable=row.get("billable", "yes").lower() not in ("no", "false", "0"),
                note=row.get("note", ""),
                acknowledge_over_budget=row.get("acknowledge_over_budget", "").lower() in ("yes", "true", "1"),
                consultant_id=consultant_id,
            )
            report.rows.append(
                ImportRow(n, True, f"{row['hours']} h on {day.isoformat()}", entry.pk if entry else None)
            )
        except DomainError as exc:
            report.rows.append(ImportRow(n, False, exc.message))
    return report


# --- the week ---------------------------------------------------------------------------------------


def week_transition(
    *, week_id: int, action: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Applied:
    """Submit, approve or return a week (`WEEK_WORKFLOW`); audited. A return tells the consultant
    (with the reason); an approval may send budget alerts."""
    applied = transition_apply(
        workflow=WEEK_WORKFLOW,
        queryset=TimesheetWeek.objects.visible_to(actor).select_related(
            "consultant", "project", "project__coordinator"
        ),
        pk=week_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        before_save=_stamp,
        after=[_week_effects],
    )
    return applied


def _stamp(week: Any, move: Any, source: str, target: str) -> dict[str, Any]:
    now = clock.now()
    if target == WeekStatus.SUBMITTED:
        return {"submitted_at": now}
    return {"decided_at": now}


def _week_effects(applied: Applied, ctx: Any) -> None:
    week: TimesheetWeek = applied.obj
    actor = ctx.actor
    if applied.target in (WeekStatus.APPROVED, WeekStatus.RETURNED):
        TimesheetWeek.objects.filter(pk=week.pk).update(
            decided_by=actor, return_reason=ctx.reason if applied.target == WeekStatus.RETURNED else ""
        )
    if applied.target == WeekStatus.RETURNED and week.consultant.user_id:
        notify(
            event="timesheet.returned",
            target=week,
            actor=actor,
            recipients=[week.consultant.user],
            owners=False,
            account=week.project.account,
            context={"reason": ctx.reason},
            link=f"/timesheets/?week={week.week_start.isoformat()}",
        )
    if applied.target == WeekStatus.SUBMITTED and week.project.coordinator_id:
        notify(
            event="timesheet.submitted",
            target=week,
            actor=actor,
            recipients=[week.project.coordinator],
            owners=False,
            account=week.project.account,
        )


def week_submit(*, actor: Actor, project_id: int, week_start: date) -> Applied:
    """Submit the actor's week of `week_start` on a project (the week row exists once hours are logged)."""
    consultant = _consultant_of(actor, None)
    week = (
        TimesheetWeek.objects.visible_to(actor)
        .filter(consultant=consultant, project_id=project_id, week_start=monday_of(week_start))
        .first()
    )
    if week is None:
        raise ValidationFailed(
            "Log hours on this project's tasks before submitting the week.", details={"field": "week_start"}
        )
    return week_transition(week_id=week.pk, action="submit", actor=actor)


# --- work at risk -----------------------------------------------------------------------------------


def _change_order_for_risk(actor: Actor, project: Project, change_order_id: int) -> ChangeOrder:
    co = ChangeOrder.objects.visible_to(actor).filter(pk=change_order_id, project=project).first()
    if co is None:
        raise NotFound(
            f"Change order {change_order_id} not found on {project.name}.", details={"field": "change_order_id"}
        )
    if co.status not in CHANGE_ORDER_OPEN:
        raise Conflict(
            f"{co.code} is {co.get_status_display().lower()}: its work needs no work at risk.", code="not_at_risk"
        )
    if not change_order_added_tasks(co):
        raise ValidationFailed(f"{co.code} adds no work to start at risk.", details={"field": "change_order_id"})
    return co


def work_at_risk_request(
    *,
    actor: Actor,
    project_id: int,
    reason: str,
    hours_cap: Decimal | str,
    expires_on: date,
    change_order_id: int | None = None,
) -> WorkAtRisk:
    """Ask PS Leadership to allow work on a project whose SOW is not executed yet — or, with
    `change_order_id`, on the added work of a change order not executed yet: a reason, the hours it
    may use and an expiry (422 on a missing reason, a cap ≤ 0, a past expiry, a change-order cap
    above its added hours; 404 for a change order not of this project; 409 when the paperwork is
    executed already or the change order is closed). PS Leadership is told."""
    permission_require(actor, "timesheets.request_work_at_risk")
    project = project_get_for_burn(user=actor, project_id=project_id)
    co = _change_order_for_risk(actor, project, change_order_id) if change_order_id is not None else None
    if not reason.strip():
        raise ValidationFailed("Say why work must start before the paperwork is executed.", details={"field": "reason"})
    try:
        cap = Decimal(str(hours_cap))
    except InvalidOperation:
        raise ValidationFailed("hours_cap must be a number of hours.", details={"field": "hours_cap"}) from None
    if not cap.is_finite() or cap <= 0 or cap > Decimal("10000"):
        raise ValidationFailed("hours_cap must be between 0 and 10,000 hours.", details={"field": "hours_cap"})
    if expires_on < clock.today():
        raise ValidationFailed("The expiry must be today or later.", details={"field": "expires_on"})
    if co is not None:
        added = change_order_added_hours(co)
        if cap > added:
            raise ValidationFailed(
                f"hours_cap is at most the {added} h {co.code} adds.", details={"field": "hours_cap"}
            )
    elif project.booked_at is not None:
        raise Conflict(
            f"{project.name} is booked: its paperwork is executed and needs no work at risk.", code="not_at_risk"
        )
    with transaction.atomic():
        war = WorkAtRisk.objects.create(
            project=project,
            reason=reason.strip(),
            hours_cap=cap,
            expires_on=expires_on,
            requested_by=actor,
            change_order=co,
        )
        audit_record(
            verb="timesheets.work_at_risk_requested",
            actor=actor,
            target=war,
            after={
                "project": project.pk,
                "hours_cap": str(cap),
                "expires_on": expires_on.isoformat(),
                "change_order": co.code if co is not None else None,
            },
            reason=war.reason,
        )
        leaders = User.objects.filter(groups__name="ps_leadership", is_active=True)
        notify(
            event="work_at_risk.requested",
            target=war,
            actor=actor,
            recipients=leaders,
            owners=False,
            account=project.account,
            link="/timesheets/work-at-risk/",
        )
    return war


def work_at_risk_decide(*, actor: Actor, war_id: int, approve: bool, note: str = "") -> WorkAtRisk:
    """PS Leadership approves or rejects a work-at-risk request (409 once decided or expired;
    a rejection needs a note). The requester is told."""
    permission_require(actor, "timesheets.decide_work_at_risk")
    with transaction.atomic():
        war = WorkAtRisk.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=war_id).first()
        if war is None:
            raise NotFound(f"Work-at-risk request {war_id} not found.", details={"war_id": war_id})
        if war.status != WorkAtRiskStatus.REQUESTED:
            raise Conflict(f"This request is {war.get_status_display().lower()} already.", code="decided")
        if war.expires_on < clock.today():
            raise Conflict("This request expired before it was decided.", code="expired")
        if not approve and not note.strip():
            raise ValidationFailed("Say why the work at risk is rejected.", details={"field": "note"})
        co = war.change_order
        if approve and co is not None and co.status not in CHANGE_ORDER_OPEN:
            raise Conflict(
                f"{co.code} is {co.get_status_display().lower()}: its work needs no work at risk.", code="not_at_risk"
            )
        war.status = WorkAtRiskStatus.APPROVED if approve else WorkAtRiskStatus.REJECTED
        war.decided_by = actor
        war.decided_at = clock.now()
        war.decision_note = note.strip()
        war.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and co is not None:
            # the change order's added tasks open (0 h budget) so its work can be logged at risk
            war.tasks.set(
                project_tasks_open(
                    project_id=war.project_id, tasks=change_order_added_tasks(co), source=co.code, actor=actor
                )
            )
        audit_record(
            verb="timesheets.work_at_risk_decided",
            actor=actor,
            target=war,
            before={"status": WorkAtRiskStatus.REQUESTED},
            after={"status": war.status},
            reason=war.decision_note,
        )
        project = Project.objects.select_related("account").get(pk=war.project_id)
        notify(
            event="work_at_risk.decided",
            target=war,
            actor=actor,
            recipients=[war.requested_by, project.coordinator],
            owners=False,
            account=project.account,
            context={"decision": war.get_status_display()},
        )
    return war


# --- budget -----------------------------------------------------------------------------------------


def estimate_to_complete_set(
    *, actor: Actor, project_id: int, hours: Decimal | str, note: str = ""
) -> EstimateToComplete:
    """The project manager enters the hours still needed (history kept; 422 on a negative or
    non-numeric figure; 403 for anyone but the project's manager or PS Ops). May send alerts."""
    permission_require(actor, "timesheets.approve_timesheet")
    project = project_get_for_burn(user=actor, project_id=project_id)
    if project.coordinator_id not in (None, actor.pk) and not actor.has_perm("timesheets.approve_any_timesheet"):
        raise PermissionDenied("Only the project's manager enters its estimate to complete.")
    try:
        h = Decimal(str(hours).strip())
    except InvalidOperation:
        raise ValidationFailed("hours must be a number.", details={"field": "hours"}) from None
    if not h.is_finite() or h < 0 or h > Decimal("1000000"):
        raise ValidationFailed("hours must be between 0 and 1,000,000.", details={"field": "hours"})
    if len(note) > 500:
        raise ValidationFailed("The note is at most 500 characters.", details={"field": "note"})
    with transaction.atomic():
        prev = EstimateToComplete.objects.filter(project=project).first()
        etc = EstimateToComplete.objects.create(project=project, hours=h, note=note, entered_by=actor)
        audit_record(
            verb="timesheets.estimate_to_complete",
            actor=actor,
            target=project,
            before={"etc_hours": str(prev.hours)} if prev else None,
            after={"etc_hours": str(h)},
            reason=note,
        )
    return etc


def _engagement_manager_of(project: Project) -> User | None:
    """The engagement's EM, else the EM of the account's sales territory."""
    if project.engagement_id and project.engagement and project.engagement.em_id:
        return project.engagement.em
    territory = project.account.territory
    return territory.engagement_manager if territory is not None else None


def budget_alerts_check(*, project: Project) -> list[BudgetAlert]:
    """Alert the project manager and the EM once per policy threshold (80 % and 100 % by default)
    that the logged hours reached. Runs inside the caller's transaction."""
    policy = policy_get()
    view = budget_burn(project)
    already = set(BudgetAlert.objects.filter(project=project).values_list("ratio", flat=True))
    new = []
    for ratio in thresholds_crossed(ratio=view.burn.burn_ratio, thresholds=policy.alert_ratios, already=already):
        alert = BudgetAlert.objects.create(project=project, ratio=ratio, burn=view.burn.burn_ratio)
        audit_record(
            verb="timesheets.budget_alert",
            target=project,
            after={"threshold": str(ratio), "burn": str(view.burn.burn_ratio)},
        )
        em = _engagement_manager_of(project)
        notify(
            event="project.budget_threshold",
            target=project,
            recipients=[u for u in (project.coordinator, em) if u is not None],
            owners=False,
            account=project.account,
            context={
                "threshold": f"{ratio:.0%}",
                "actual_hours": str(view.burn.actual_hours),
                "budget_hours": str(view.burn.budget_hours),
            },
            link=f"/timesheets/projects/{project.pk}/",
        )
        new.append(alert)
    return new
