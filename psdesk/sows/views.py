"""SOW pages: one page per engagement with the on-screen preview (the same HTML the PDF is made
from), versions and downloads, mark-ups, and one POST view per action. Each action view parses the
form, calls one service (which locks the rows and checks visibility and permissions), and redirects
back to the page with the outcome as a message."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.branding.models import RenderState
from psdesk.branding.responses import rendering_page
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import DomainError, NotFound, ValidationFailed
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.engagements.models import Engagement
from psdesk.sows import document as doc
from psdesk.sows import rendering, selectors, services

VIEW = "sows.view_sow"

ActionView = Callable[[AuthedRequest, int], str]


def _engagement(request: AuthedRequest, engagement_id: int) -> Engagement:
    eng = (
        Engagement.objects.visible_to(request.user)
        .select_related("account", "opportunity")
        .filter(pk=engagement_id)
        .first()
    )
    if eng is None:
        raise NotFound("engagement not found")
    return eng


@permission_required(VIEW, raise_exception=True)
def engagement_sow(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    try:
        eng = _engagement(request, engagement_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    sow = selectors.sow_for_engagement(eng)
    ctx: dict[str, Any] = {"eng": eng, "sow": sow, "perms_user": request.user}
    if sow is not None:
        ctx["signer_name"], ctx["signer_email"] = selectors.customer_signer_get(sow=sow)
        ctx["signature_requests"] = list(sow.signature_requests.select_related("version")[:5])
        ctx["vendor"] = vendor_profile_get()
        ctx["can_countersign"] = (
            request.user.has_perm("sows.countersign_sow")
            and selectors.vendor_signatory_refusal(sow, MoveContext(actor=request.user)) is None
        )
    if sow is not None and sow.current is not None:
        cur = sow.current
        ctx.update(
            {
                "versions": selectors.version_list(sow=sow),
                "markups": selectors.markup_list(sow=sow),
                "cases": selectors.legal_case_list(sow=sow),
                "signatures": list(sow.signatures.all()),
                "preview": rendering.render_html(
                    cur.content, doc.sections(cur.content), standalone=False, version=cur.number
                ),
            }
        )
    return render(request, "sows/engagement.html", ctx)


@permission_required(VIEW, raise_exception=True)
def executed_pdf(request: AuthedRequest, engagement_id: int) -> HttpResponse | FileResponse:
    try:
        eng = _engagement(request, engagement_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    sow = selectors.sow_for_engagement(eng)
    if sow is None or not sow.executed_pdf:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    return FileResponse(sow.executed_pdf.open("rb"), as_attachment=True, filename=f"{sow.number}-executed.pdf")


@permission_required(VIEW, raise_exception=True)
def download(request: AuthedRequest, version_id: int, fmt: str) -> HttpResponse | FileResponse:
    """The version's stored DOCX or PDF; while the worker renders it, the "Rendering…" page (which
    shows the link when ready). A failed render is asked for again."""
    try:
        v = selectors.version_get(user=request.user, version_id=version_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    if fmt not in ("docx", "pdf"):
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    if v.render_state == RenderState.FAILED and services.sow_version_render_retry(version=v):
        v.render_state = RenderState.RENDERING
    filename = f"{v.sow.number}-v{v.number}.{fmt}"
    if v.render_state != RenderState.READY:
        return rendering_page(
            request,
            state=v.render_state,
            title=f"{v.sow.number} version {v.number}",
            filename=filename,
            download_url=request.path,
            status_url=reverse("sows:render_status", args=[v.pk]),
            error=v.render_error,
            back_url=reverse("sows:engagement", args=[v.sow.engagement_id]),
        )
    f = v.docx if fmt == "docx" else v.pdf
    return FileResponse(f.open("rb"), as_attachment=True, filename=filename)


@permission_required(VIEW, raise_exception=True)
def render_status(request: AuthedRequest, version_id: int) -> JsonResponse:
    """{"state": rendering | ready | failed, "error", "docx_sha256", "pdf_sha256"} of one version's files."""
    try:
        v = selectors.version_get(user=request.user, version_id=version_id)
    except DomainError:
        return JsonResponse({"state": "absent", "error": "Not found."}, status=404)
    return JsonResponse(
        {"state": v.render_state, "error": v.render_error, "docx_sha256": v.docx_sha256, "pdf_sha256": v.pdf_sha256}
    )


def _action(view: ActionView) -> Callable[[AuthedRequest, int], HttpResponse]:
    """A POST from the SOW page: the view returns the success message; a refusal (or bad input)
    becomes an error message; either way back to the page."""

    @require_POST
    @permission_required(VIEW, raise_exception=True)
    @wraps(view)
    def wrapped(request: AuthedRequest, engagement_id: int) -> HttpResponse:
        try:
            messages.success(request, view(request, engagement_id))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, "Invalid input.")
        return redirect("sows:engagement", engagement_id=engagement_id)

    return wrapped


def _int(request: AuthedRequest, field: str) -> int:
    return int(request.POST.get(field, "0") or 0)


def _upload(f: UploadedFile) -> bytes:
    return bytes(f.read(selectors.policy_get().upload_max_bytes + 1))


@_action
def sow_generate(request: AuthedRequest, engagement_id: int) -> str:
    v = services.sow_generate(
        engagement_id=engagement_id, actor=request.user, billing_terms=request.POST.get("billing_terms") or None
    )
    return f"Generated version {v.number}."


@_action
def sow_review(request: AuthedRequest, engagement_id: int) -> str:
    note = request.POST.get("note", "")[:2000]
    services.sow_review_record(sow_id=_int(request, "sow_id"), actor=request.user, note=note)
    return "Review by the account team and the customer recorded."


@_action
def markup_upload(request: AuthedRequest, engagement_id: int) -> str:
    f = request.FILES.get("file")
    if f is None:
        raise ValidationFailed("Choose the customer's .docx file.")
    services.markup_upload(sow_id=_int(request, "sow_id"), actor=request.user, filename=f.name or "", data=_upload(f))
    return "Mark-up uploaded."


@_action
def markup_accept(request: AuthedRequest, engagement_id: int) -> str:
    v = services.markup_accept(markup_id=_int(request, "markup_id"), actor=request.user)
    return f"Mark-up accepted: version {v.number}."


@_action
def markup_reject(request: AuthedRequest, engagement_id: int) -> str:
    services.markup_reject(markup_id=_int(request, "markup_id"), actor=request.user, note=request.POST.get("note", ""))
    return "Mark-up rejected."


@_action
def sow_stamp(request: AuthedRequest, engagement_id: int) -> str:
    services.sow_stamp(
        sow_id=_int(request, "sow_id"),
        version_id=_int(request, "version_id"),
        actor=request.user,
        note=request.POST.get("note", ""),
    )
    return "Legal stamp recorded."


@_action
def sow_release(request: AuthedRequest, engagement_id: int) -> str:
    services.sow_release(
        sow_id=_int(request, "sow_id"),
        actor=request.user,
        signer_email=request.POST.get("signer_email", ""),
        signer_name=request.POST.get("signer_name", ""),
    )
    return "Released for signature."


@_action
def sow_customer_sign(request: AuthedRequest, engagement_id: int) -> str:
    p = request.POST
    f = request.FILES.get("signed_pdf")
    services.sow_customer_sign(
        sow_id=_int(request, "sow_id"),
        actor=request.user,
        name=p.get("name", ""),
        title=p.get("title", ""),
        signed_on=datetime.date.fromisoformat(p["signed_on"]) if p.get("signed_on") else None,
        signed_pdf=_upload(f) if f else None,
    )
    return "Customer signature recorded."


@_action
def sow_countersign(request: AuthedRequest, engagement_id: int) -> str:
    p = request.POST
    services.sow_countersign(
        sow_id=_int(request, "sow_id"), actor=request.user, name=p.get("name", ""), title=p.get("title", "")
    )
    return "Countersigned: the SOW is executed."
