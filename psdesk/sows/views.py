"""SOW pages: one page per engagement with the on-screen preview (the same HTML the PDF is made
from), versions and downloads, mark-ups, and the action forms. Thin: parse, call a service, redirect."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core.errors import DomainError, NotFound, ValidationFailed
from psdesk.core.types import AuthedRequest
from psdesk.engagements.models import Engagement
from psdesk.sows import document as doc
from psdesk.sows import rendering, selectors, services

VIEW = "sows.view_sow"


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
        ctx["signer_name"], ctx["signer_email"] = services.customer_signer_of(sow)
    if sow is not None and sow.current is not None:
        cur = sow.current
        ctx.update(
            {
                "versions": selectors.version_list(sow=sow),
                "markups": selectors.markup_list(sow=sow),
                "cases": selectors.legal_case_list(sow=sow),
                "signatures": list(sow.signatures.all()),
                "preview": rendering.render_html(cur.content, doc.sections(cur.content), standalone=False),
            }
        )
    return render(request, "sows/engagement.html", ctx)


@permission_required(VIEW, raise_exception=True)
def download(request: AuthedRequest, version_id: int, fmt: str) -> HttpResponse | FileResponse:
    try:
        v = selectors.version_get(user=request.user, version_id=version_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    f = v.docx if fmt == "docx" else v.pdf
    return FileResponse(f.open("rb"), as_attachment=True, filename=f"{v.sow.number}-v{v.number}.{fmt}")


@require_POST
@permission_required(VIEW, raise_exception=True)
def act(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """All SOW actions of the page (`op`), each one service call; refusals shown as a message."""
    op = request.POST.get("op", "")
    u = request.user
    p = request.POST
    try:
        eng = _engagement(request, engagement_id)
        sow = selectors.sow_for_engagement(eng)
        sid = sow.pk if sow else 0
        if op == "generate":
            v = services.sow_generate(engagement_id=eng.pk, actor=u, billing_terms=p.get("billing_terms") or None)
            messages.success(request, f"Generated version {v.number}.")
        elif op == "review":
            services.sow_review_record(sow_id=sid, actor=u, note=p.get("note", "")[:2000])
            messages.success(request, "Review by the account team and the customer recorded.")
        elif op == "markup":
            f = request.FILES.get("file")
            if f is None:
                raise ValidationFailed("Choose the customer's .docx file.")
            data = f.read(selectors.policy_get().upload_max_bytes + 1)
            services.markup_upload(sow_id=sid, actor=u, filename=f.name or "", data=data)
            messages.success(request, "Mark-up uploaded.")
        elif op == "markup_accept":
            v = services.markup_accept(markup_id=int(p.get("markup_id", "0") or 0), actor=u)
            messages.success(request, f"Mark-up accepted: version {v.number}.")
        elif op == "markup_reject":
            services.markup_reject(markup_id=int(p.get("markup_id", "0") or 0), actor=u, note=p.get("note", ""))
            messages.success(request, "Mark-up rejected.")
        elif op == "stamp":
            services.sow_stamp(
                sow_id=sid, version_id=int(p.get("version_id", "0") or 0), actor=u, note=p.get("note", "")
            )
            messages.success(request, "Legal stamp recorded.")
        elif op == "release":
            services.sow_release(
                sow_id=sid, actor=u, signer_email=p.get("signer_email", ""), signer_name=p.get("signer_name", "")
            )
            messages.success(request, "Released for signature.")
        elif op == "customer_sign":
            f = request.FILES.get("signed_pdf")
            day = datetime.date.fromisoformat(p["signed_on"]) if p.get("signed_on") else None
            services.sow_customer_sign(
                sow_id=sid,
                actor=u,
                name=p.get("name", ""),
                title=p.get("title", ""),
                signed_on=day,
                signed_pdf=f.read(selectors.policy_get().upload_max_bytes + 1) if f else None,
            )
            messages.success(request, "Customer signature recorded.")
        elif op == "countersign":
            services.sow_countersign(sow_id=sid, actor=u, name=p.get("name", ""), title=p.get("title", ""))
            messages.success(request, "Countersigned: the SOW is executed.")
        else:
            messages.error(request, "Unknown action.")
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, "Invalid input.")
    return redirect("sows:engagement", engagement_id=engagement_id)
