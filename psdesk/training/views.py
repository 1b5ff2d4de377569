"""Training pages. Thin: parse input, call selectors/services, render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.audit.models import AuditEvent
from psdesk.core import clock
from psdesk.core.errors import DomainError, NotFound
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.scheduling.choices import ConsultantRole
from psdesk.scheduling.models import Consultant
from psdesk.training import selectors, services
from psdesk.training.choices import RegistrationStatus, RequestKind, RequestStatus, SessionAudience, SessionStatus
from psdesk.training.forms import AuditRequestForm, TrainerRequestForm, TrainerScheduleForm
from psdesk.training.querysets import PLAN_PERM
from psdesk.training.workflow import REQUEST_WORKFLOW

VIEW = "training.view_session"


def _not_found(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/error.html", {"message": "Not found."}, status=404)


@permission_required(VIEW, raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    """My requests, approvals waiting for me, upcoming sessions."""
    ctx = {
        "mine": selectors.request_list(user=request.user, mine=True),
        "approvals": selectors.approvals_waiting(user=request.user),
        "upcoming": selectors.session_list(user=request.user, start=clock.now()).active()[:20],
        "can_plan": request.user.has_perm(PLAN_PERM),
    }
    return render(request, "training/index.html", ctx)


def _form_errors(form: Any, exc: DomainError) -> None:
    field = exc.details.get("field", "")
    form.add_error(field if field in form.fields else None, exc.message)


@permission_required("training.add_trainingrequest", raise_exception=True)
def trainer_new(request: AuthedRequest) -> HttpResponse:
    form = TrainerRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.trainer_request_create(
                requester=request.user,
                team=d["team"],
                cost_centre=d["cost_centre"],
                courses=list(d["courses"]),
                audience_size=d["audience_size"],
                split_sessions=d["split_sessions"],
                preferred_start=d["preferred_start"],
                preferred_end=d["preferred_end"],
                timezone=d["timezone"],
                delivery_mode=d["delivery_mode"],
                location=d["location"],
                justification=d["justification"],
                attendees=list(d["attendees"]),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Trainer request created. Mark the requestor tasks complete when ready.")
            return redirect("training:request", req.pk)
    return render(
        request, "training/request_form.html", {"form": form, "kind": "trainer"}, status=422 if form.errors else 200
    )


@permission_required("training.add_trainingrequest", raise_exception=True)
def audit_new(request: AuthedRequest) -> HttpResponse:
    sessions = list(
        selectors.session_list(user=request.user, start=clock.now())
        .active()
        .filter(audience=SessionAudience.CUSTOMER, starts_at__gt=clock.now())
    )
    initial = {"desired_session": request.GET.get("session")} if request.GET.get("session", "").isdigit() else None
    form = AuditRequestForm(request.POST or None, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.audit_request_create(
                requester=request.user,
                course=d["course"],
                desired_session_id=d["desired_session"],
                preferred_start=d["preferred_start"],
                preferred_end=d["preferred_end"],
                timezone=d["timezone"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Audit request created; your manager has been asked to approve it.")
            return redirect("training:request", req.pk)
    return render(
        request, "training/request_form.html", {"form": form, "kind": "audit"}, status=422 if form.errors else 200
    )


@permission_required(VIEW, raise_exception=True)
def request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    try:
        req = selectors.request_get(user=request.user, request_id=request_id)
    except NotFound:
        return _not_found(request)
    moves = []
    for m in REQUEST_WORKFLOW.actions_from(req.status):
        if m.action == "schedule":
            continue

        refusal = REQUEST_WORKFLOW.refusal(req, m.action, MoveContext(actor=request.user, reason="x"))
        if refusal and "permission" in refusal:
            continue
        moves.append({"action": m.action, "label": m.label, "needs_reason": m.needs_reason, "refusal": refusal})
    can_plan = request.user.has_perm(PLAN_PERM)
    ctx = {
        "req": req,
        "tasks": selectors.request_tasks(req),
        "moves": moves,
        "is_manager": req.manager_id == request.user.pk and req.manager_decision == "pending",
        "can_schedule": can_plan and req.status == RequestStatus.PLANNING,
        "schedule_form": TrainerScheduleForm(initial={"timezone": req.timezone}),
        "trainers": Consultant.objects.filter(role=ConsultantRole.TRAINER, active=True),
        "customer_sessions": selectors.session_list(user=request.user, start=clock.now())
        .active()
        .filter(audience=SessionAudience.CUSTOMER, course__in=req.courses.all()),
        "registrations": req.registrations.select_related("session", "user"),
        "timeline": AuditEvent.objects.for_target(req).select_related("actor").order_by("-seq")[:50],
        "lead_days": selectors.policy_get().registration_lead_days,
    }
    return render(request, "training/request_detail.html", ctx)


@require_POST
@permission_required(VIEW, raise_exception=True)
def request_move(request: AuthedRequest, request_id: int) -> HttpResponse:
    try:
        services.request_transition(
            request_id=request_id,
            action=request.POST.get("action", ""),
            actor=request.user,
            reason=request.POST.get("reason", "")[:5000],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("training:request", request_id)


@require_POST
@permission_required(VIEW, raise_exception=True)
def request_approve(request: AuthedRequest, request_id: int) -> HttpResponse:
    try:
        services.audit_approval_decide(
            request_id=request_id,
            actor=request.user,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", "")[:2000],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.status == 403:
            return render(request, "core/error.html", {"message": exc.message}, status=403)
    return redirect("training:request", request_id)


@require_POST
@permission_required(PLAN_PERM, raise_exception=True)
def request_schedule(request: AuthedRequest, request_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:2000]
    try:
        req = selectors.request_get(user=request.user, request_id=request_id)
        if req.kind == RequestKind.AUDIT:
            sid = request.POST.get("session_id", "")
            result = services.request_schedule(
                request_id=request_id, actor=request.user, session_id=int(sid) if sid.isdigit() else None, reason=reason
            )
        else:
            plans = []
            courses = request.POST.getlist("course")
            starts = request.POST.getlist("starts_at")
            ends = request.POST.getlist("ends_at")
            instructors = request.POST.getlist("instructor_id")
            tz = request.POST.get("timezone", "") or req.timezone
            zone = ZoneInfo(tz)
            for i, course in enumerate(courses):
                if not course or i >= len(starts) or not starts[i]:
                    continue
                ins = instructors[i] if i < len(instructors) else ""
                plans.append(
                    services.SessionPlan(
                        course_id=int(course),
                        starts_at=datetime.fromisoformat(starts[i]).replace(tzinfo=zone),
                        ends_at=datetime.fromisoformat(ends[i]).replace(tzinfo=zone),
                        timezone=tz,
                        instructor_id=int(ins) if ins.isdigit() else None,
                    )
                )
            result = services.request_schedule(request_id=request_id, actor=request.user, plans=plans, reason=reason)
    except (DomainError, ValueError, KeyError) as exc:
        messages.error(request, getattr(exc, "message", f"Bad date or timezone: {exc}"))
        return redirect("training:request", request_id)
    if result.waitlisted:
        messages.warning(
            request, "The session is full: the requester is on the waitlist; the request stays in planning."
        )
    else:
        messages.success(request, "Scheduled; registration links sent.")
    return redirect("training:request", request_id)


@permission_required(PLAN_PERM, raise_exception=True)
def planning_board(request: AuthedRequest) -> HttpResponse:
    """Coordinator planning board: open requests by state."""
    qs = selectors.request_list(user=request.user)
    columns = [
        {
            "state": state.value,
            "label": state.label,
            "requests": list(qs.filter(status=state).order_by("created_at")),
        }
        for state in (
            RequestStatus.REQUESTED,
            RequestStatus.TASKS_COMPLETE,
            RequestStatus.PLANNING,
            RequestStatus.SCHEDULED,
            RequestStatus.DELIVERED,
        )
    ]
    return render(request, "training/planning.html", {"columns": columns})


@permission_required(VIEW, raise_exception=True)
def session_calendar(request: AuthedRequest) -> HttpResponse:
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    prev = (year - (month == 1), 12 if month == 1 else month - 1)
    nxt = (year + (month == 12), 1 if month == 12 else month + 1)
    ctx = {
        "weeks": selectors.month_grid(user=request.user, year=year, month=month),
        "year": year,
        "month": month,
        "title": date(year, month, 1).strftime("%B %Y"),
        "prev": prev,
        "next": nxt,
        "can_plan": request.user.has_perm(PLAN_PERM),
    }
    return render(request, "training/calendar.html", ctx)


@permission_required(VIEW, raise_exception=True)
def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    try:
        s = selectors.session_get(user=request.user, session_id=session_id)
    except NotFound:
        return _not_found(request)
    can_plan = request.user.has_perm(PLAN_PERM)
    mine = s.registrations.holding().filter(user_id=request.user.pk or 0).first()
    ctx = {
        "s": s,
        "roster": selectors.roster(s) if can_plan else [],
        "can_plan": can_plan,
        "mine": mine,
        "position": selectors.waitlist_position(mine) if mine else None,
        "can_self_register": s.audience == SessionAudience.INTERNAL
        and s.status == SessionStatus.SCHEDULED
        and s.starts_at > clock.now()
        and mine is None,
        "can_export": can_plan and s.status == SessionStatus.DELIVERED,
        "can_deliver": can_plan and s.status == SessionStatus.SCHEDULED and s.ends_at <= clock.now(),
        # formatted here: the |date filter would convert back to the site timezone
        "local_start": f"{s.starts_at.astimezone(ZoneInfo(s.timezone)):%a %Y-%m-%d %H:%M}",
        "local_end": f"{s.ends_at.astimezone(ZoneInfo(s.timezone)):%H:%M}",
        "confirmed": RegistrationStatus.CONFIRMED,
    }
    return render(request, "training/session.html", ctx)


@require_POST
@permission_required(VIEW, raise_exception=True)
def session_register(request: AuthedRequest, session_id: int) -> HttpResponse:
    try:
        reg = services.registration_create(session_id=session_id, user=request.user, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if reg.status == RegistrationStatus.WAITLISTED:
            messages.warning(
                request, f"The session is full: you are on the waitlist (position {selectors.waitlist_position(reg)})."
            )
        else:
            messages.success(request, "You are registered; your registration link is in your notifications.")
    return redirect("training:session", session_id)


@require_POST
@permission_required(VIEW, raise_exception=True)
def registration_cancel(request: AuthedRequest, registration_id: int) -> HttpResponse:
    session_id = request.POST.get("session", "")
    try:
        services.registration_cancel(
            registration_id=registration_id, actor=request.user, reason=request.POST.get("reason", "")[:2000]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Registration cancelled.")
    return redirect("training:session", int(session_id)) if session_id.isdigit() else redirect("training:index")


@require_POST
@permission_required(PLAN_PERM, raise_exception=True)
def session_deliver(request: AuthedRequest, session_id: int) -> HttpResponse:
    attended = [int(x) for x in request.POST.getlist("attended") if x.isdigit()]
    try:
        services.session_deliver(session_id=session_id, actor=request.user, attended_user_ids=attended)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("training:session", session_id)


@permission_required(PLAN_PERM, raise_exception=True)
def roster_export(request: AuthedRequest, session_id: int) -> HttpResponse:
    try:
        s = selectors.session_get(user=request.user, session_id=session_id)
    except NotFound:
        return _not_found(request)
    if s.status != SessionStatus.DELIVERED:
        return render(request, "core/error.html", {"message": "The roster is exported after delivery."}, status=409)
    resp = HttpResponse(selectors.roster_csv(s), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="roster-session-{s.pk}.csv"'
    return resp
