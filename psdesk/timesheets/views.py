"""Timesheet pages: the consultant's weekly grid (save, submit, CSV import), the project manager's
weeks to approve, budget burn with the burn-down chart and the estimate to complete, utilisation,
and work at risk. One POST view per action: parse, call one service, back to the page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core import clock
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.delivery.choices import CHANGE_ORDER_OPEN
from psdesk.delivery.models import ChangeOrder
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project
from psdesk.timesheets import selectors, services
from psdesk.timesheets.choices import WorkAtRiskStatus
from psdesk.timesheets.models import WorkAtRisk

LOG = "timesheets.log_time"
APPROVE = "timesheets.approve_timesheet"
BUDGET = "timesheets.view_budget"


def _week_param(raw: str | None) -> date:
    try:
        return selectors.monday_of(date.fromisoformat(raw or ""))
    except ValueError:
        return selectors.monday_of(clock.today())


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()][:50]


def _sheet(request: AuthedRequest, week: date, extra: list[int], status: int = 200, **ctx: Any) -> HttpResponse:
    consultant = selectors.consultant_for_user(request.user)
    if consultant is None:
        return render(request, "timesheets/no_consultant.html", status=200)
    sheet = selectors.timesheet_get(user=request.user, consultant=consultant, week_start=week, extra_task_ids=extra)
    posted: dict[str, str] = ctx.pop("posted", {})
    refusals: dict[str, str] = ctx.pop("refusals", {})
    over: set[int] = ctx.pop("over", set())
    grid = []
    for row in sheet.rows:
        cells = []
        for d, e in row.cells:
            key = f"h-{row.task.pk}-{d.isoformat()}"
            orig = f"{e.hours.normalize():f}" if e else ""
            cells.append(
                {
                    "key": key,
                    "orig_key": f"o-{row.task.pk}-{d.isoformat()}",
                    "orig": orig,
                    "value": posted.get(key, orig),
                    "refusal": refusals.get(key, ""),
                    "flag": bool(e and e.over_budget),
                    "label": f"{row.task.name} on {d:%a %d %b}",
                }
            )
        grid.append({"row": row, "cells": cells, "ack": row.task.pk in over})
    context = {
        "grid": grid,
        "sheet": sheet,
        "prev": week.fromordinal(week.toordinal() - 7),
        "next": week.fromordinal(week.toordinal() + 7),
        "extra": extra,
        "has_refusals": bool(refusals),
        **ctx,
    }
    return render(request, "timesheets/index.html", context, status=status)


@permission_required(LOG, raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    return _sheet(request, _week_param(request.GET.get("week")), _ints(request.GET.getlist("add")))


@require_POST
@permission_required(LOG, raise_exception=True)
def save(request: AuthedRequest) -> HttpResponse:
    week = _week_param(request.POST.get("week"))
    cells: list[tuple[int, date, str]] = []
    posted: dict[str, str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("h-"):
            continue
        try:
            _, task, day = key.split("-", 2)
            d = date.fromisoformat(day)
            tid = int(task)
        except ValueError:
            continue
        value = value.strip()
        posted[key] = value
        if value != request.POST.get(f"o-{task}-{day}", "").strip():
            cells.append((tid, d, value))
    acks = set(_ints(request.POST.getlist("ack")))
    refusals = services.timesheet_save(actor=request.user, cells=cells, acknowledged_task_ids=acks)
    extra = _ints(request.POST.getlist("add"))
    if refusals:
        by_key = {f"h-{t}-{d.isoformat()}": msg for (t, d), msg in refusals.items()}
        over = {t for (t, _d), msg in refusals.items() if "Acknowledge the overrun" in msg}
        return _sheet(request, week, extra, status=422, refusals=by_key, posted=posted, over=over)
    messages.success(request, "Timesheet saved." if cells else "Nothing changed.")
    query = "&".join([f"week={week.isoformat()}", *[f"add={t}" for t in extra]])
    return redirect(f"/timesheets/?{query}")


@require_POST
@permission_required(LOG, raise_exception=True)
def submit(request: AuthedRequest) -> HttpResponse:
    week = _week_param(request.POST.get("week"))
    try:
        services.week_submit(
            actor=request.user, project_id=int(request.POST.get("project_id", "0") or 0), week_start=week
        )
        messages.success(request, "Week submitted for approval.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect(f"/timesheets/?week={week.isoformat()}")


@permission_required(LOG, raise_exception=True)
def import_csv(request: AuthedRequest) -> HttpResponse:
    report = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or (upload.size or 0) > 2_000_000:
            error = "Choose a CSV file of at most 2 MB."
        else:
            try:
                report = services.time_import_csv(actor=request.user, content=upload.read())
            except DomainError as exc:
                error = exc.message
    status = 400 if error else 200
    return render(request, "timesheets/import.html", {"report": report, "error": error}, status=status)


@permission_required(APPROVE, raise_exception=True)
def weeks(request: AuthedRequest) -> HttpResponse:
    rows = list(
        selectors.weeks_to_approve(request.user).select_related("consultant", "project").order_by("submitted_at")[:200]
    )
    return render(request, "timesheets/weeks.html", {"weeks": rows})


def _week_page(request: AuthedRequest, week_id: int, status: int = 200, error: str = "") -> HttpResponse:
    try:
        week = selectors.week_get(user=request.user, week_id=week_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    consultant = selectors.consultant_for_user(request.user)
    mine = consultant is not None and consultant.pk == week.consultant_id
    if not (mine or request.user.has_perm(APPROVE)):
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    entries = selectors.week_entries(week)
    ctx = {
        "week": week,
        "entries": entries,
        "total": sum((e.hours for e in entries), Decimal("0")),
        "flagged": [e for e in entries if e.over_budget],
        "error": error,
        "can_decide": request.user.has_perm(APPROVE) and not mine,
    }
    return render(request, "timesheets/week.html", ctx, status=status)


def week_detail(request: AuthedRequest, week_id: int) -> HttpResponse:
    return _week_page(request, week_id)


def _decide(request: AuthedRequest, week_id: int, action: str) -> HttpResponse:
    try:
        services.week_transition(
            week_id=week_id, action=action, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _week_page(request, week_id, status=exc.status, error=exc.message)
    messages.success(request, "Week approved." if action == "approve" else "Week returned to the consultant.")
    return redirect("/my-work/")


@require_POST
@permission_required(APPROVE, raise_exception=True)
def week_approve(request: AuthedRequest, week_id: int) -> HttpResponse:
    return _decide(request, week_id, "approve")


@require_POST
@permission_required(APPROVE, raise_exception=True)
def week_return(request: AuthedRequest, week_id: int) -> HttpResponse:
    return _decide(request, week_id, "return")


@permission_required(BUDGET, raise_exception=True)
def burn_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "timesheets/burn_list.html", {"rows": selectors.burn_list(user=request.user)})


@permission_required(BUDGET, raise_exception=True)
def burn(request: AuthedRequest, project_id: int, status: int = 200, error: str = "") -> HttpResponse:
    try:
        project = selectors.project_get_for_burn(user=request.user, project_id=project_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    view = selectors.budget_burn(project)
    ctx = {
        "view": view,
        "b": view.burn,
        "project": project,
        "chart": selectors.burn_chart_config(view),
        "alerts": project.budget_alerts.all(),
        "can_etc": request.user.has_perm(APPROVE)
        and (
            project.coordinator_id in (None, request.user.pk)
            or request.user.has_perm("timesheets.approve_any_timesheet")
        ),
        "error": error,
    }
    return render(request, "timesheets/burn.html", ctx, status=status)


@require_POST
@permission_required(APPROVE, raise_exception=True)
def etc_set(request: AuthedRequest, project_id: int) -> HttpResponse:
    try:
        services.estimate_to_complete_set(
            actor=request.user,
            project_id=project_id,
            hours=request.POST.get("hours", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return burn(request, project_id, status=exc.status, error=exc.message)
    messages.success(request, "Estimate to complete saved.")
    return redirect(f"/timesheets/projects/{project_id}/")


@permission_required(BUDGET, raise_exception=True)
def utilisation(request: AuthedRequest) -> HttpResponse:
    weeks_, rows, teams = selectors.utilisation()
    return render(request, "timesheets/utilisation.html", {"weeks": weeks_, "rows": rows, "teams": teams})


def _war_page(request: AuthedRequest, status: int = 200, error: str = "") -> HttpResponse:
    user = request.user
    if not (user.has_perm("timesheets.request_work_at_risk") or user.has_perm("timesheets.decide_work_at_risk")):
        return render(request, "core/error.html", {"message": "Your role may not see work at risk."}, status=403)
    ctx = {
        "approvals": WorkAtRisk.objects.visible_to(user).select_related(
            "project", "requested_by", "decided_by", "change_order"
        )[:200],
        "projects": Project.objects.visible_to(user)
        .filter(booked_at__isnull=True, status=ProjectStatus.PROSPECT)
        .order_by("name")[:200],
        "change_orders": ChangeOrder.objects.visible_to(user)
        .filter(status__in=CHANGE_ORDER_OPEN, project__status=ProjectStatus.ACTIVE)
        .select_related("project")
        .order_by("project__name", "number")[:200],
        "can_request": user.has_perm("timesheets.request_work_at_risk"),
        "can_decide": user.has_perm("timesheets.decide_work_at_risk"),
        "requested": WorkAtRiskStatus.REQUESTED,
        "error": error,
    }
    return render(request, "timesheets/work_at_risk.html", ctx, status=status)


def work_at_risk(request: AuthedRequest) -> HttpResponse:
    return _war_page(request)


@require_POST
def work_at_risk_request(request: AuthedRequest) -> HttpResponse:
    try:
        co_id = int(request.POST.get("change_order_id", "0") or 0) or None
        project_id = int(request.POST.get("project_id", "0") or 0)
        if co_id is not None:
            co = ChangeOrder.objects.visible_to(request.user).filter(pk=co_id).first()
            project_id = co.project_id if co is not None else 0
        services.work_at_risk_request(
            actor=request.user,
            change_order_id=co_id,
            project_id=project_id,
            reason=request.POST.get("reason", ""),
            hours_cap=request.POST.get("hours_cap", ""),
            expires_on=date.fromisoformat(request.POST.get("expires_on", "")),
        )
    except ValueError:
        return _war_page(request, status=422, error="Give the project, an hours cap and an expiry date (YYYY-MM-DD).")
    except DomainError as exc:
        return _war_page(request, status=exc.status, error=exc.message)
    messages.success(request, "Work at risk requested from PS Leadership.")
    return redirect("/timesheets/work-at-risk/")


@require_POST
def work_at_risk_decide(request: AuthedRequest, war_id: int) -> HttpResponse:
    try:
        services.work_at_risk_decide(
            actor=request.user,
            war_id=war_id,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _war_page(request, status=exc.status, error=exc.message)
    messages.success(request, "Decision recorded.")
    return redirect("/timesheets/work-at-risk/")
