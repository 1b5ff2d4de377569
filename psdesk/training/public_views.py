"""Public pages under /r/training/: the attendee's signed registration link (session, .ics,
self-cancel) and the manager's signed approval link. The signature is the credential."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from psdesk.core.errors import DomainError
from psdesk.training import selectors, services
from psdesk.training.ics import attendee_timezone, registration_ics
from psdesk.training.links import approval_from, registration_id_from
from psdesk.training.models import Registration, TrainingRequest


def _registration(token: str) -> Registration | None:
    rid = registration_id_from(token)
    if rid is None:
        return None
    return Registration.objects.select_related("session__course", "session__instructor", "user").filter(pk=rid).first()


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"message": "This link is not valid."}, status=404)


@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    if reg is None:
        return _gone(request)
    error = ""
    if request.method == "POST":
        try:
            services.registration_cancel(
                registration_id=reg.pk,
                actor=reg.user,
                reason="cancelled by the attendee from their link",
                via_link=True,
            )
        except DomainError as exc:
            error = exc.message
        reg.refresh_from_db()
    s = reg.session
    tz = attendee_timezone(reg) or s.timezone
    ctx = {
        "reg": reg,
        "s": s,
        "token": token,
        "error": error,
        # formatted here: the |date filter would convert back to the site timezone
        "local_start": f"{s.starts_at.astimezone(ZoneInfo(tz)):%a %Y-%m-%d %H:%M}",
        "local_end": f"{s.ends_at.astimezone(ZoneInfo(tz)):%H:%M}",
        "tz": tz,
        "position": selectors.waitlist_position(reg),
    }
    return render(request, "training/public_registration.html", ctx, status=422 if error else 200)


def registration_ics_download(request: HttpRequest, token: str) -> HttpResponse:
    reg = _registration(token)
    if reg is None or reg.status == "cancelled":
        return _gone(request)
    resp = HttpResponse(registration_ics(reg), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="training-{reg.session_id}.ics"'
    return resp


@require_http_methods(["GET", "POST"])
def approval(request: HttpRequest, token: str) -> HttpResponse:
    parsed = approval_from(token)
    req = TrainingRequest.objects.select_related("requester").filter(pk=parsed[0]).first() if parsed else None
    manager = User.objects.filter(pk=parsed[1], is_active=True).first() if parsed else None
    if req is None or manager is None:
        return _gone(request)
    error = ""
    if request.method == "POST":
        try:
            services.audit_approval_decide(
                request_id=req.pk,
                actor=manager,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", "")[:2000],
                via="link",
            )
        except DomainError as exc:
            error = exc.message
        req.refresh_from_db()
    ctx = {"req": req, "manager": manager, "error": error, "courses": req.courses.all()}
    return render(request, "training/public_approval.html", ctx, status=422 if error else 200)
