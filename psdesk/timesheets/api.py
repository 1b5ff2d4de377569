"""REST endpoints for time: entries (log, change, delete, CSV import with a per-row report), the
week's moves (submit, approve, return), work-at-risk requests and decisions, budget burn with the
estimate to complete, and utilisation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from ninja import File, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.inputs import IsoDate
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.timesheets import selectors, services
from psdesk.timesheets.choices import WeekStatus
from psdesk.timesheets.models import TimeEntry, TimesheetWeek, WorkAtRisk

router = Router(tags=["timesheets"])


class TimeEntryOut(Schema):
    id: int
    consultant_id: int
    project_id: int
    task_id: int
    week_id: int
    day: date
    hours: Decimal
    billable: bool
    note: str
    over_budget: bool
    work_at_risk_id: int | None
    version: int


class TimeEntryPage(Schema):
    count: int
    items: list[TimeEntryOut]


class TimeEntryListParams(Schema):
    week: IsoDate | None = Field(None, description="any day of the week (Monday to Sunday) to list")
    project_id: int | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class TimeEntryIn(Schema):
    task_id: StrictInt
    day: IsoDate
    hours: Decimal = Field(..., ge=0, le=24, description="quarter hours; 0 removes the entry")
    billable: StrictBool = True
    note: str = Field("", max_length=500)
    acknowledge_over_budget: StrictBool = Field(False, description="log hours beyond the task's budget")
    consultant_id: StrictInt | None = Field(None, description="PS Ops only: log for another consultant")


class TimeEntryPatch(Schema):
    hours: Decimal = Field(..., ge=0, le=24)
    billable: StrictBool = True
    note: str = Field("", max_length=500)
    acknowledge_over_budget: StrictBool = False
    expected_version: StrictInt | None = None


class TimeImportRowOut(Schema):
    row: int
    ok: bool
    message: str
    entry_id: int | None


class TimeImportOut(Schema):
    stored: int
    refused: int
    rows: list[TimeImportRowOut]


class TimesheetWeekOut(Schema):
    id: int
    consultant_id: int
    consultant: str
    project_id: int
    project: str
    week_start: date
    status: str
    submitted_at: datetime | None
    decided_at: datetime | None
    return_reason: str
    version: int
    hours: Decimal

    @staticmethod
    def resolve_consultant(obj: Any) -> str:
        return str(obj.consultant.name)

    @staticmethod
    def resolve_project(obj: Any) -> str:
        return str(obj.project.name)

    @staticmethod
    def resolve_hours(obj: Any) -> Decimal:
        h = getattr(obj, "h", None)
        return Decimal(h) if h is not None else sum((e.hours for e in obj.entries.all()), Decimal("0"))


class TimesheetWeekPage(Schema):
    count: int
    items: list[TimesheetWeekOut]


class TimesheetWeekParams(Schema):
    status: str | None = Field(None, description="open, submitted, approved or returned")
    to_approve: bool = Field(False, description="only submitted weeks on projects you manage")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class TimesheetSubmitIn(Schema):
    project_id: StrictInt
    week_start: IsoDate


class TimesheetDecisionIn(Schema):
    reason: str = Field("", max_length=5000, description="required to return a week")
    expected_version: StrictInt | None = None


class WorkAtRiskOut(Schema):
    id: int
    project_id: int
    reason: str
    hours_cap: Decimal
    expires_on: date
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str
    change_order_id: int | None
    change_order: str | None
    task_ids: list[int]

    @staticmethod
    def resolve_change_order(obj: Any) -> str | None:
        return obj.change_order.code if obj.change_order_id else None

    @staticmethod
    def resolve_task_ids(obj: Any) -> list[int]:
        return [t.pk for t in obj.tasks.all()] if obj.change_order_id else []


class WorkAtRiskIn(Schema):
    project_id: StrictInt
    reason: str = Field(..., min_length=1, max_length=5000)
    hours_cap: Decimal = Field(..., gt=0, le=10000)
    expires_on: IsoDate
    change_order_id: StrictInt | None = Field(
        None, description="work at risk on this change order's added work (not executed yet) instead of the SOW's"
    )


class WorkAtRiskDecisionIn(Schema):
    approve: StrictBool
    note: str = Field("", max_length=5000)


class BurnPointOut(Schema):
    week: date
    remaining_hours: Decimal


class MilestoneBurnOut(Schema):
    milestone_id: int
    name: str
    status: str
    budget_hours: Decimal
    budget_fee: Decimal
    actual_hours: Decimal
    approved_hours: Decimal
    actual_cost: Decimal
    earned_value: Decimal
    forecast_cost_at_completion: Decimal
    margin_at_completion: Decimal | None
    burn_ratio: Decimal


class BudgetBurnOut(Schema):
    project_id: int
    currency: str
    budget_hours: Decimal
    budget_fee: Decimal
    actual_hours: Decimal
    approved_hours: Decimal
    over_budget_hours: Decimal
    actual_cost: Decimal
    earned_value: Decimal
    percent_complete: Decimal
    estimate_to_complete_hours: Decimal
    estimate_to_complete_entered: bool
    forecast_hours_at_completion: Decimal
    forecast_cost_at_completion: Decimal
    margin_at_completion: Decimal | None
    burn_ratio: Decimal
    burn_down: list[BurnPointOut]
    milestones: list[MilestoneBurnOut]


class EstimateToCompleteIn(Schema):
    hours: Decimal = Field(..., ge=0, le=1_000_000)
    note: str = Field("", max_length=500)


class UtilisationCellOut(Schema):
    week: date
    hours: Decimal
    ratio: Decimal
    source: str
    level: str


class UtilisationRowOut(Schema):
    label: str
    role: str
    target: Decimal
    cells: list[UtilisationCellOut]


class UtilisationOut(Schema):
    weeks: list[date]
    consultants: list[UtilisationRowOut]
    teams: list[UtilisationRowOut]


class UtilisationParams(Schema):
    weeks_back: int = Field(6, ge=0, le=52)
    weeks_ahead: int = Field(6, ge=0, le=52)


def _entries_of(request: AuthedRequest) -> Any:
    """The entries the caller may list: their own, plus (project managers) their projects'."""
    user = request.user
    own = selectors.consultant_for_user(user)
    qs = TimeEntry.objects.visible_to(user)
    if user.has_perm("timesheets.approve_any_timesheet"):
        return qs
    if user.has_perm("timesheets.approve_timesheet"):
        return qs.filter(Q(project__coordinator=user) | Q(consultant=own))
    if own is None:
        raise PermissionDenied("No consultant record is linked to your user.")
    return qs.filter(consultant=own)


@router.get("/time-entries", response={200: TimeEntryPage, **errors(401, 403, 422)})
def list_time_entries(request: AuthedRequest, params: Query[TimeEntryListParams]) -> Any:
    qs = _entries_of(request)
    if params.week:
        start = selectors.monday_of(params.week)
        qs = qs.filter(day__gte=start, day__lte=start.fromordinal(start.toordinal() + 6))
    if params.project_id:
        qs = qs.filter(project_id=params.project_id)
    qs = qs.order_by("day", "id")
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


@router.post("/time-entries", response={200: TimeEntryOut, 204: None, **errors(400, 401, 403, 404, 409, 422)})
def log_time(request: AuthedRequest, payload: TimeEntryIn) -> Any:
    """Set hours on a task and day (an existing entry of that task and day is updated; 0 removes it).
    409 `work_not_authorised` when the SOW is not executed and no work-at-risk approval covers it,
    409 `week_locked` for a submitted or approved week, 422 `over_budget` unless acknowledged."""
    entry = services.time_entry_set(
        actor=request.user,
        task_id=payload.task_id,
        day=payload.day,
        hours=payload.hours,
        billable=payload.billable,
        note=payload.note,
        acknowledge_over_budget=payload.acknowledge_over_budget,
        consultant_id=payload.consultant_id,
    )
    return Status(204, None) if entry is None else entry


@router.patch(
    "/time-entries/{entry_id}", response={200: TimeEntryOut, 204: None, **errors(400, 401, 403, 404, 409, 422)}
)
def change_time_entry(request: AuthedRequest, entry_id: int, payload: TimeEntryPatch) -> Any:
    """Change an entry's hours (409 `stale` on an old `expected_version`, `week_locked` once approved)."""
    current = _entries_of(request).filter(pk=entry_id).first()
    if current is None:
        raise NotFound(f"Time entry {entry_id} not found.", details={"entry_id": entry_id})
    entry = services.time_entry_set(
        actor=request.user,
        task_id=current.task_id,
        day=current.day,
        hours=payload.hours,
        billable=payload.billable,
        note=payload.note,
        acknowledge_over_budget=payload.acknowledge_over_budget,
        consultant_id=current.consultant_id,
        expected_version=payload.expected_version,
    )
    return Status(204, None) if entry is None else entry


@router.delete("/time-entries/{entry_id}", response={204: None, **errors(401, 403, 404, 409)})
def delete_time_entry(request: AuthedRequest, entry_id: int) -> Any:
    services.time_entry_delete(actor=request.user, entry_id=entry_id)
    return Status(204, None)


@router.post("/time-entry-imports", response={200: TimeImportOut, **errors(400, 401, 403, 422)})
def import_time(request: AuthedRequest, file: File[UploadedFile]) -> Any:
    """CSV with columns task_id, day, hours (optional billable, note, acknowledge_over_budget,
    consultant_email): each row stored or refused on its own; the report says which and why."""
    if file.size is not None and file.size > 2_000_000:
        raise BadRequest("The file is larger than 2 MB.", details={"field": "file"})
    report = services.time_import_csv(actor=request.user, content=file.read())
    return {"stored": report.stored, "refused": report.refused, "rows": [r.__dict__ for r in report.rows]}


def _weeks_of(request: AuthedRequest) -> Any:
    user = request.user
    if user.has_perm("timesheets.approve_any_timesheet"):
        return TimesheetWeek.objects.visible_to(user)
    own = selectors.consultant_for_user(user)
    qs = TimesheetWeek.objects.visible_to(user)
    if user.has_perm("timesheets.approve_timesheet"):
        return qs.filter(Q(project__coordinator=user) | Q(consultant=own))
    if own is None:
        raise PermissionDenied("No consultant record is linked to your user.")
    return qs.filter(consultant=own)


@router.get("/timesheet-weeks", response={200: TimesheetWeekPage, **errors(401, 403, 422)})
def list_weeks(request: AuthedRequest, params: Query[TimesheetWeekParams]) -> Any:
    if params.status and params.status not in WeekStatus.values:
        raise ValidationFailed(f"Unknown status '{params.status}'.", details={"field": "status"})
    qs = selectors.weeks_to_approve(request.user) if params.to_approve else _weeks_of(request)
    if params.status:
        qs = qs.filter(status=params.status)
    qs = qs.select_related("consultant", "project").annotate(h=Sum("entries__hours")).order_by("-week_start", "id")
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


def _week_out(request: AuthedRequest, week_id: int) -> Any:
    return selectors.week_get(user=request.user, week_id=week_id)


@router.post("/timesheet-weeks/submit", response={200: TimesheetWeekOut, **errors(401, 403, 404, 409, 422)})
def submit_week(request: AuthedRequest, payload: TimesheetSubmitIn) -> Any:
    applied = services.week_submit(actor=request.user, project_id=payload.project_id, week_start=payload.week_start)
    return _week_out(request, applied.obj.pk)


@router.post("/timesheet-weeks/{week_id}/approve", response={200: TimesheetWeekOut, **errors(401, 403, 404, 409)})
def approve_week(request: AuthedRequest, week_id: int, payload: TimesheetDecisionIn) -> Any:
    """The project's manager approves the week: its entries are locked."""
    services.week_transition(
        week_id=week_id, action="approve", actor=request.user, expected_version=payload.expected_version
    )
    return _week_out(request, week_id)


@router.post("/timesheet-weeks/{week_id}/return", response={200: TimesheetWeekOut, **errors(401, 403, 404, 409)})
def return_week(request: AuthedRequest, week_id: int, payload: TimesheetDecisionIn) -> Any:
    """The project's manager returns the week with a reason; the consultant corrects and resubmits."""
    services.week_transition(
        week_id=week_id,
        action="return",
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _week_out(request, week_id)


@router.get("/work-at-risk", response={200: list[WorkAtRiskOut], **errors(401, 403)})
def list_work_at_risk(request: AuthedRequest) -> Any:
    if not (
        request.user.has_perm("timesheets.request_work_at_risk")
        or request.user.has_perm("timesheets.decide_work_at_risk")
    ):
        raise PermissionDenied("Your role may not see work-at-risk approvals.")
    return list(
        WorkAtRisk.objects.visible_to(request.user).select_related("change_order").prefetch_related("tasks")[:MAX_LIMIT]
    )


@router.post("/work-at-risk", response={201: WorkAtRiskOut, **errors(401, 403, 404, 409, 422)})
def request_work_at_risk(request: AuthedRequest, payload: WorkAtRiskIn) -> Any:
    """Ask PS Leadership to allow work before the SOW — or, with `change_order_id`, a change order —
    is executed (reason, hours cap, expiry). On approval a change order's added tasks open for time."""
    war = services.work_at_risk_request(
        actor=request.user,
        project_id=payload.project_id,
        reason=payload.reason,
        hours_cap=payload.hours_cap,
        expires_on=payload.expires_on,
        change_order_id=payload.change_order_id,
    )
    return Status(201, war)


@router.post("/work-at-risk/{war_id}/decision", response={200: WorkAtRiskOut, **errors(401, 403, 404, 409, 422)})
def decide_work_at_risk(request: AuthedRequest, war_id: int, payload: WorkAtRiskDecisionIn) -> Any:
    return services.work_at_risk_decide(actor=request.user, war_id=war_id, approve=payload.approve, note=payload.note)


def _burn_out(view: selectors.BurnView) -> dict[str, Any]:
    b = view.burn
    return {
        "project_id": view.project.pk,
        "currency": view.currency,
        "budget_hours": b.budget_hours,
        "budget_fee": b.budget_fee,
        "actual_hours": b.actual_hours,
        "approved_hours": b.approved_hours,
        "over_budget_hours": view.flagged_hours,
        "actual_cost": b.actual_cost,
        "earned_value": b.earned_value,
        "percent_complete": b.percent_complete,
        "estimate_to_complete_hours": b.etc_hours,
        "estimate_to_complete_entered": b.etc_entered,
        "forecast_hours_at_completion": b.eac_hours,
        "forecast_cost_at_completion": b.eac_cost,
        "margin_at_completion": b.margin_at_completion,
        "burn_ratio": b.burn_ratio,
        "burn_down": [{"week": w, "remaining_hours": h} for w, h in view.series],
        "milestones": [
            {
                "milestone_id": m.milestone.pk,
                "name": m.milestone.name,
                "status": m.milestone.status,
                "budget_hours": m.burn.budget_hours,
                "budget_fee": m.burn.budget_fee,
                "actual_hours": m.burn.actual_hours,
                "approved_hours": m.burn.approved_hours,
                "actual_cost": m.burn.actual_cost,
                "earned_value": m.burn.earned_value,
                "forecast_cost_at_completion": m.burn.eac_cost,
                "margin_at_completion": m.burn.margin_at_completion,
                "burn_ratio": m.burn.burn_ratio,
            }
            for m in view.milestones
        ],
    }


@router.get("/projects/{project_id}/budget-burn", response={200: BudgetBurnOut, **errors(401, 403, 404)})
def project_burn(request: AuthedRequest, project_id: int) -> Any:
    """Budget hours and fee, actual hours and cost at standard cost rates, earned value, estimate to
    complete, forecast and margin at completion, and the weekly burn-down."""
    permission_require(request.user, "timesheets.view_budget")
    project = selectors.project_get_for_burn(user=request.user, project_id=project_id)
    return _burn_out(selectors.budget_burn(project))


@router.post("/projects/{project_id}/estimate-to-complete", response={200: BudgetBurnOut, **errors(401, 403, 404, 422)})
def set_estimate_to_complete(request: AuthedRequest, project_id: int, payload: EstimateToCompleteIn) -> Any:
    """The project manager enters the hours still needed; the forecast at completion follows."""
    services.estimate_to_complete_set(actor=request.user, project_id=project_id, hours=payload.hours, note=payload.note)
    project = selectors.project_get_for_burn(user=request.user, project_id=project_id)
    return _burn_out(selectors.budget_burn(project))


@router.get("/utilisation", response={200: UtilisationOut, **errors(401, 403, 422)})
def get_utilisation(request: AuthedRequest, params: Query[UtilisationParams]) -> Any:
    """Billable hours / capacity per consultant and team (role) per week: actuals for past weeks,
    scheduling bookings for future weeks, against the policy target per role."""
    permission_require(request.user, "timesheets.view_budget")
    weeks, rows, teams = selectors.utilisation(weeks_back=params.weeks_back, weeks_ahead=params.weeks_ahead)
    return {"weeks": weeks, "consultants": [r.__dict__ for r in rows], "teams": [r.__dict__ for r in teams]}
