"""The customer's signing page (public; the link's token is the key): the PDF to sign, name, title,
consent, Sign — or Decline with a reason. Each POST calls one service; refusals show on the page."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import Conflict, DomainError, NotFound
from psdesk.sows import services
from psdesk.sows.services.esign import CONSENT_TEXT


def private_response[R: HttpResponseBase](resp: R) -> R:
    # The URL is the key: keep it out of other sites' Referer headers ("no-referrer" would make
    # Chromium send `Origin: null` on the form posts, failing CSRF).
    resp["Referrer-Policy"] = "same-origin"
    resp["Cache-Control"] = "no-store"
    resp["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def request_evidence(request: HttpRequest) -> services.Evidence:
    return services.Evidence(
        ip=request.META.get("REMOTE_ADDR") or None, user_agent=request.META.get("HTTP_USER_AGENT", "")[:400]
    )


def _done(request: HttpRequest, message: str, status: int = 200) -> HttpResponse:
    ctx = {"vendor": vendor_profile_get(), "message": message}
    return private_response(render(request, "sows/sign_done.html", ctx, status=status))


def sign_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        req = services.signing_request_open(token=token)
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except Conflict as exc:
        return _done(request, exc.message, status=409)
    ctx = {
        "req": req,
        "sow": req.sow,
        "account": req.sow.engagement.account,
        "vendor": vendor_profile_get(),
        "token": token,
        "consent_text": CONSENT_TEXT,
        "error": request.session.pop("sign-error", ""),
        "form": request.session.pop("sign-form", {}),
    }
    return private_response(render(request, "sows/sign.html", ctx))


@xframe_options_sameorigin
def sign_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        req = services.signing_request_open(token=token)
    except DomainError:
        return private_response(HttpResponse("Not found.", status=404, content_type="text/plain"))
    resp = FileResponse(req.version.pdf.open("rb"), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{req.sow.number}-v{req.version.number}.pdf"'
    resp["Content-Security-Policy"] = "frame-ancestors 'self'"
    return private_response(resp)


@require_POST
def sign_submit(request: HttpRequest, token: str) -> HttpResponse:
    p = request.POST
    try:
        sig = services.sow_sign_by_link(
            token=token,
            name=p.get("name", ""),
            title=p.get("title", ""),
            consent=p.get("consent") == "yes",
            evidence=request_evidence(request),
        )
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except DomainError as exc:
        request.session["sign-error"] = exc.message
        request.session["sign-form"] = {"name": p.get("name", "")[:200], "title": p.get("title", "")[:200]}
        return private_response(redirect("sign:show", token))
    return _done(request, f"Thank you, {sig.name}: {sig.sow.number} is signed. We will send the executed copy.")


@require_POST
def decline_submit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        sow = services.sow_decline_by_link(
            token=token, reason=request.POST.get("reason", ""), evidence=request_evidence(request)
        )
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except DomainError as exc:
        request.session["sign-error"] = exc.message
        return private_response(redirect("sign:show", token))
    return _done(request, f"You declined {sow.number}. Your engagement manager has your reason and will follow up.")
