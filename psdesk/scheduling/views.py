"""Scheduling pages. Thin: parse input, call selectors/services, render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.scheduling import selectors, services
from psdesk.scheduling.api import LineSchema, WhatIfIn, whatif_answer
from psdesk.scheduling.choices import ServiceType
from psdesk.scheduling.models import Consultant, QueueEntry


@permission_required("scheduling.view_queueentry", raise_exception=True)
def queue(request: AuthedRequest) -> HttpResponse:
    total, rows = selectors.queue_list(user=request.user, limit=200)
    ctx = {
        "rows": rows,
        "total": total,
        "run": selectors.latest_run_or_none(),
        "lead_times": selectors.lead_time_table(),
    }
    return render(request, "scheduling/queue.html", ctx)


@permission_required("scheduling.view_queueentry", raise_exception=True)
def entry(request: AuthedRequest, entry_id: int) -> HttpResponse:
    try:
        e = selectors.entry_get(user=request.user, entry_id=entry_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    return _entry_page(request, e)


def _entry_page(request: AuthedRequest, e: QueueEntry, *, error: str = "", status: int = 200) -> HttpResponse:
    run = selectors.latest_run_or_none()
    res = e.forecasts.filter(run=run).first() if run else None
    manage = request.user.has_perm("scheduling.manage_queue")
    ctx: dict[str, Any] = {
        "e": e,
        "row": selectors.QueueRow(e, res),
        "lines": e.lines.all(),
        "allocations": e.allocations.select_related("consultant"),
        "can_commit": request.user.has_perm("scheduling.commit_start"),
        "can_allocate": request.user.has_perm("scheduling.add_allocation"),
        "candidates": selectors.candidates_rank(entry=e)[:20] if manage else [],
        "error": error,
    }
    return render(request, "scheduling/entry.html", ctx, status=status)


@require_POST
@permission_required("scheduling.view_queueentry", raise_exception=True)
def commit_start(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """Commit a start date; refused inline unless Closed Won and confirmed by a coordinator."""
    try:
        e = selectors.entry_get(user=request.user, entry_id=entry_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    raw = request.POST.get("start", "")
    try:
        start = date.fromisoformat(raw) if raw else None
    except ValueError:
        return _entry_page(request, e, error="Give the start date as YYYY-MM-DD.", status=422)
    try:
        services.queue_entry_start_commit(
            entry_id=entry_id,
            start=start,
            confirm=request.POST.get("confirm") == "1",
            actor=request.user,
            queryset=QueueEntry.objects.visible_to(request.user),
        )
    except DomainError as exc:
        return _entry_page(request, e, error=exc.message, status=exc.status)
    return redirect("scheduling:entry", entry_id=entry_id)


@require_POST
@permission_required("scheduling.add_allocation", raise_exception=True)
def allocate(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """Staff a candidate from the entry page; a conflict comes back inline and needs a reason."""
    try:
        e = selectors.entry_get(user=request.user, entry_id=entry_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    try:
        consultant = Consultant.objects.get(pk=int(request.POST.get("consultant_id", "0")))
        services.allocation_create(
            entry=e,
            consultant=consultant,
            kind=request.POST.get("kind", "soft"),
            starts_on=date.fromisoformat(request.POST.get("starts_on", "")),
            ends_on=date.fromisoformat(request.POST.get("ends_on", "")),
            weekly_hours=Decimal(request.POST.get("weekly_hours", "")),
            actor=request.user,
            override_reason=request.POST.get("override_reason", "")[:2000],
        )
    except DomainError as exc:
        return _entry_page(request, e, error=exc.message, status=exc.status)
    except (ValueError, InvalidOperation, Consultant.DoesNotExist):
        return _entry_page(request, e, error="Give a consultant, dates (YYYY-MM-DD) and weekly hours.", status=422)
    return redirect("scheduling:entry", entry_id=entry_id)


@permission_required("scheduling.view_queueentry", raise_exception=True)
def whatif(request: AuthedRequest) -> HttpResponse:
    """A what-if form; the answer comes from the cached samples and nothing is saved."""
    answer, error = None, ""
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        lines = []
        for role in ("PSE", "PM", "TA", "Trainer"):
            hours = data.get(f"hours_{role}", "").strip()
            skill = data.get(f"skill_{role}", "").strip()
            level = data.get(f"level_{role}", "").strip()
            if hours:
                lines.append(
                    LineSchema.model_validate(
                        {"role": role, "hours": hours, "skills": {skill: int(level or 1)} if skill else {}}
                    )
                )
        try:
            eng = data.get("engagement_id", "")
            answer = whatif_answer(
                request.user,
                WhatIfIn.model_validate(
                    {
                        "service_type": data.get("service_type", "other"),
                        "role_hours": lines,
                        "requires_clearance": data.get("clearance") == "1",
                        "engagement_id": int(eng) if eng.isdigit() else None,
                    }
                ),
            )
        except DomainError as exc:
            error = exc.message
        except ValueError:
            error = "Hours must be numbers."
    ctx = {
        "answer": answer,
        "error": error,
        "data": data,
        "service_types": ServiceType.choices,
        "roles": ["PSE", "PM", "TA", "Trainer"],
        "engagement_id": data.get("engagement_id", ""),
    }
    return render(request, "scheduling/whatif.html", ctx)


@permission_required("scheduling.view_queueentry", raise_exception=True)
def capacity(request: AuthedRequest) -> HttpResponse:
    run = selectors.latest_run_or_none()
    full = selectors.latest_run_get() if run else None
    ctx = {
        "run": run,
        "heat": selectors.heatmap(run=full) if full else None,
        "timeline": selectors.timeline(run=full) if full else None,
    }
    return render(request, "scheduling/capacity.html", ctx)
