"""The customer's change-order signing page (public; the link's token is the key), the SOW signing
page's flow: the PDF to sign, name, title, consent, Sign — or Decline with a reason. Each POST calls
one service; refusals show on the page."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import Conflict, DomainError, NotFound
from psdesk.delivery import services
from psdesk.delivery.services.change_order_esign import CONSENT_TEXT
from psdesk.sows.sign_views import private_response, request_evidence  # the SOW signing pages' headers and evidence


def _done(request: HttpRequest, message: str, status: int = 200) -> HttpResponse:
    ctx = {"vendor": vendor_profile_get(), "message": message}
    return private_response(render(request, "delivery/co_sign_done.html", ctx, status=status))


def sign_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        req = services.co_signing_request_open(token=token)
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except Conflict as exc:
        return _done(request, exc.message, status=409)
    co = req.change_order
    ctx = {
        "req": req,
        "co": co,
        "account": co.project.account,
        "vendor": vendor_profile_get(),
        "token": token,
        "consent_text": CONSENT_TEXT,
        "error": request.session.pop("co-sign-error", ""),
        "form": request.session.pop("co-sign-form", {}),
    }
    return private_response(render(request, "delivery/co_sign.html", ctx))


@xframe_options_sameorigin
def sign_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        req = services.co_signing_request_open(token=token)
    except DomainError:
        return private_response(HttpResponse("Not found.", status=404, content_type="text/plain"))
    co = req.change_order
    resp = FileResponse(co.pdf.open("rb"), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{co.code}.pdf"'
    resp["Content-Security-Policy"] = "frame-ancestors 'self'"
    return private_response(resp)


@require_POST
def sign_submit(request: HttpRequest, token: str) -> HttpResponse:
    p = request.POST
    try:
        sig = services.change_order_sign_by_link(
            token=token,
            name=p.get("name", ""),
            title=p.get("title", ""),
            consent=p.get("consent") == "yes",
            evidence=request_evidence(request),
        )
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except DomainError as exc:
        request.session["co-sign-error"] = exc.message
        request.session["co-sign-form"] = {"name": p.get("name", "")[:200], "title": p.get("title", "")[:200]}
        return private_response(redirect("co_sign:show", token))
    return _done(
        request,
        f"Thank you, {sig.name}: change order {sig.change_order.code} is signed. We will send the executed copy.",
    )


@require_POST
def decline_submit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        co = services.change_order_decline_by_link(
            token=token, reason=request.POST.get("reason", ""), evidence=request_evidence(request)
        )
    except NotFound as exc:
        return _done(request, exc.message, status=404)
    except DomainError as exc:
        request.session["co-sign-error"] = exc.message
        return private_response(redirect("co_sign:show", token))
    return _done(
        request, f"You declined change order {co.code}. Your engagement manager has your reason and will follow up."
    )
