"""Scheduling pages: the queue, an entry, what-if, capacity, and the resource directory (consultants,
skill matrix, the consultant's own time off, the coordinator's time-off decisions). Thin: parse input,
call selectors/services, render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.scheduling import selectors, services
from psdesk.scheduling.api import LineSchema, WhatIfIn, whatif_answer
from psdesk.scheduling.choices import ConsultantRole, Region, ServiceType, TimeOffStatus
from psdesk.scheduling.models import Consultant, QueueEntry, Skill


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


# --- the resource directory ------------------------------------------------------------------------

DIRECTORY_LIMIT = 200


def _not_found(request: AuthedRequest, message: str = "Not found.") -> HttpResponse:
    return render(request, "core/error.html", {"message": message}, status=404)


@permission_required("scheduling.view_consultant", raise_exception=True)
def resources(request: AuthedRequest) -> HttpResponse:
    """The resource directory with filters by role, region, skill (minimum level) and clearance."""
    g = request.GET
    may_clearance = selectors.clearance_visible(user=request.user)
    raw_level = g.get("min_level", "1")
    cleared = {"yes": True, "no": False}.get(g.get("cleared", "")) if may_clearance else None
    qs = selectors.consultant_list(
        user=request.user,
        role=g.get("role", "") if g.get("role", "") in ConsultantRole.values else "",
        region=g.get("region", "") if g.get("region", "") in Region.values else "",
        skill=g.get("skill", "")[:50],
        min_level=int(raw_level) if raw_level in {"1", "2", "3", "4", "5"} else 1,
        cleared=cleared,
        active=g.get("inactive") != "1",
        q=g.get("q", "")[:100],
    )
    ctx: dict[str, Any] = {
        "consultants": list(qs[:DIRECTORY_LIMIT]),
        "total": qs.count(),
        "limit": DIRECTORY_LIMIT,
        "roles": ConsultantRole.choices,
        "regions": Region.choices,
        "skills": Skill.objects.order_by("name"),
        "levels": [1, 2, 3, 4, 5],
        "may_clearance": may_clearance,
        "f": g,
    }
    return render(request, "scheduling/resources.html", ctx)


@permission_required("scheduling.view_consultant", raise_exception=True)
def consultant(request: AuthedRequest, consultant_id: int) -> HttpResponse:
    """One consultant: profile, skills, cost rate and clearance where allowed, time off, history."""
    try:
        c = selectors.consultant_get(consultant_id=consultant_id)
    except DomainError:
        return _not_found(request)
    show_rate = selectors.cost_rate_visible(user=request.user, consultant=c)
    ctx = {
        "c": c,
        "show_clearance": selectors.clearance_visible(user=request.user, consultant=c),
        "show_rate": show_rate,
        "rate": selectors.consultant_cost_rate(c) if show_rate else None,
        "time_off": selectors.time_off_of(consultant=c)[:50],
        "history": AuditEvent.objects.filter(target_type__model="consultant", target_id=str(c.pk))
        .select_related("actor")
        .order_by("-seq")[:30],
    }
    return render(request, "scheduling/consultant.html", ctx)


@permission_required("scheduling.view_consultant", raise_exception=True)
def skill_matrix(request: AuthedRequest) -> HttpResponse:
    """Consultants by skills, with their levels."""
    role = request.GET.get("role", "")
    m = selectors.skill_matrix_get(role=role if role in ConsultantRole.values else "")
    ctx = {
        "m": m,
        "rows": list(zip(m.consultants, m.levels, strict=True)),
        "roles": ConsultantRole.choices,
        "role": role,
    }
    return render(request, "scheduling/skill_matrix.html", ctx)


def _time_off_mine_page(
    request: AuthedRequest, c: Consultant | None, *, error: str = "", status: int = 200
) -> HttpResponse:
    ctx = {
        "c": c,
        "time_off": selectors.time_off_of(consultant=c)[:100] if c else [],
        "error": error,
        "data": request.POST,
    }
    return render(request, "scheduling/time_off_mine.html", ctx, status=status)


@login_required
@permission_required("scheduling.request_timeoff", raise_exception=True)
def time_off_mine(request: AuthedRequest) -> HttpResponse:
    """The consultant's own time off and the form to ask for more."""
    return _time_off_mine_page(request, selectors.consultant_for_user(request.user))


@require_POST
@permission_required("scheduling.request_timeoff", raise_exception=True)
def time_off_request(request: AuthedRequest) -> HttpResponse:
    """Ask for time off; it waits for the Project Coordinator."""
    c = selectors.consultant_for_user(request.user)
    if c is None:
        return _time_off_mine_page(request, None, error="No consultant record is linked to you.", status=404)
    try:
        starts = date.fromisoformat(request.POST.get("starts_on", ""))
        ends = date.fromisoformat(request.POST.get("ends_on", "") or request.POST.get("starts_on", ""))
    except ValueError:
        return _time_off_mine_page(request, c, error="Give the dates as YYYY-MM-DD.", status=422)
    try:
        services.time_off_request(
            consultant=c,
            starts_on=starts,
            ends_on=ends,
            reason=request.POST.get("reason", "")[:200],
            actor=request.user,
        )
    except DomainError as exc:
        return _time_off_mine_page(request, c, error=exc.message, status=exc.status)
    return redirect("scheduling:time_off_mine")


def _requests_page(request: AuthedRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    ctx = {
        "requests": list(selectors.time_off_requests_list()[:200]),
        "decided": list(
            selectors.time_off_requests_list(status=TimeOffStatus.APPROVED)
            .select_related("decided_by")
            .order_by("-decided_at")[:20]
        ),
        "error": error,
    }
    return render(request, "scheduling/time_off_requests.html", ctx, status=status)


@permission_required("scheduling.decide_timeoff", raise_exception=True)
def time_off_requests(request: AuthedRequest) -> HttpResponse:
    """Time-off requests waiting for the coordinator, with approve and refuse forms."""
    return _requests_page(request)


@require_POST
@permission_required("scheduling.decide_timeoff", raise_exception=True)
def time_off_approve(request: AuthedRequest, time_off_id: int) -> HttpResponse:
    try:
        services.time_off_decide(time_off_id=time_off_id, approve=True, actor=request.user)
    except DomainError as exc:
        return _requests_page(request, error=exc.message, status=exc.status)
    return redirect("scheduling:time_off_requests")


@require_POST
@permission_required("scheduling.decide_timeoff", raise_exception=True)
def time_off_refuse(request: AuthedRequest, time_off_id: int) -> HttpResponse:
    try:
        services.time_off_decide(
            time_off_id=time_off_id, approve=False, actor=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as exc:
        return _requests_page(request, error=exc.message, status=exc.status)
    return redirect("scheduling:time_off_requests")
