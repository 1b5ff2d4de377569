"""Delivery pages: the list of delivery projects, a project's delivery page (milestones with their
acceptance, the budget, change orders, the close-out checklist), a change order's page, and one POST
view per action (parse, call one service, back to the page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.approvals.selectors import approval_list
from psdesk.branding import rendering as document_rendering
from psdesk.branding.selectors import vendor_get
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.delivery import selectors, services
from psdesk.delivery.change_order_document import document as change_order_document
from psdesk.delivery.workflow import CHANGE_ORDER_WORKFLOW, COUNTERSIGN, MILESTONE_WORKFLOW
from psdesk.notifications.selectors import email_deliveries
from psdesk.projects.workflow import PROJECT_WORKFLOW
from psdesk.sla.models import SlaTimer

VIEW = "delivery.view_milestone"


def _not_found(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/error.html", {"message": "Not found."}, status=404)


@permission_required(VIEW, raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    return render(request, "delivery/index.html", {"projects": selectors.delivery_project_list(user=request.user)})


@permission_required(VIEW, raise_exception=True)
def project(request: AuthedRequest, project_id: int) -> HttpResponse:
    try:
        p = selectors.project_get(user=request.user, project_id=project_id)
    except DomainError:
        return _not_found(request)
    milestones = selectors.milestone_list(project=p)
    timers = {
        t.target_id: t
        for t in SlaTimer.objects.filter(
            target_id__in=[m.pk for m in milestones], policy__key=selectors.policy_get().acceptance_policy_key
        )
        .filter(target_type__app_label="delivery", target_type__model="milestone")
        .order_by("started_at")
    }
    ctx_move = MoveContext(actor=request.user)
    rows = [
        {"m": m, "timer": timers.get(m.pk), "refusal": MILESTONE_WORKFLOW.refusal(m, "complete", ctx_move)}
        for m in milestones
    ]
    ctx: dict[str, Any] = {
        "project": p,
        "rows": rows,
        "budget": selectors.project_budget(p),
        "change_orders": selectors.change_order_list(project=p),
        "close_out": selectors.close_out_items(p),
        "close_refusal": PROJECT_WORKFLOW.refusal(p, "close", ctx_move),
        "complete_refusal": PROJECT_WORKFLOW.refusal(p, "complete", ctx_move),
        "can_complete": request.user.has_perm("delivery.complete_milestone"),
        "can_close": request.user.has_perm("delivery.close_out_project"),
        "can_change": request.user.has_perm("delivery.manage_change_order"),
        "deliveries": [d for m in milestones for d in email_deliveries(source=m)],
    }
    return render(request, "delivery/project.html", ctx)


def _post_back_to(
    page: str, perm: str
) -> Callable[[Callable[[AuthedRequest, int], None]], Callable[..., HttpResponse]]:
    """A POST from the delivery page `page` (its one URL argument is the object's id): a refusal
    becomes an error message; either way back to that page."""

    def deco(view: Callable[[AuthedRequest, int], None]) -> Callable[..., HttpResponse]:
        @require_POST
        @permission_required(perm, raise_exception=True)
        @wraps(view)
        def wrapped(request: AuthedRequest, **kwargs: int) -> HttpResponse:
            try:
                view(request, *kwargs.values())
            except DomainError as exc:
                messages.error(request, exc.message)
            return HttpResponseRedirect(reverse(page, kwargs=kwargs))

        return wrapped

    return deco


def _action(perm: str) -> Callable[[Callable[[AuthedRequest, int], None]], Callable[..., HttpResponse]]:
    return _post_back_to("delivery:project", perm)


def _co_action(perm: str) -> Callable[[Callable[[AuthedRequest, int], None]], Callable[..., HttpResponse]]:
    return _post_back_to("delivery:change_order", perm)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@_action("delivery.complete_milestone")
def milestone_complete(request: AuthedRequest, project_id: int) -> None:
    m = services.milestone_complete(
        milestone_id=_int(request.POST.get("milestone_id", "")), actor=request.user, note=request.POST.get("note", "")
    )
    messages.success(request, f"{m} is complete; the completion notice is on its way to {m.notice_to}.")


@_action("delivery.close_out_project")
def close_out_set(request: AuthedRequest, project_id: int) -> None:
    services.close_out_set(
        project_id=project_id,
        key=request.POST.get("key", ""),
        done=request.POST.get("done") == "1",
        note=request.POST.get("note", ""),
        actor=request.user,
    )


@_action("delivery.close_out_project")
def project_close(request: AuthedRequest, project_id: int) -> None:
    services.project_close(project_id=project_id, actor=request.user)
    messages.success(request, "The project is closed.")


@_action("delivery.close_out_project")
def project_complete(request: AuthedRequest, project_id: int) -> None:
    services.project_complete(project_id=project_id, actor=request.user)
    messages.success(request, "The project is completed.")


# --- change orders -------------------------------------------------------------------------------


@permission_required("delivery.manage_change_order", raise_exception=True)
def change_order_new(request: AuthedRequest, project_id: int) -> HttpResponse:
    """Choose the newer estimate version and say why; POST creates the change order."""
    try:
        p = selectors.project_get(user=request.user, project_id=project_id)
    except DomainError:
        return _not_found(request)
    error = ""
    if request.method == "POST":
        try:
            co = services.change_order_create(
                project_id=p.pk,
                estimate_version_id=_int(request.POST.get("estimate_version_id", "")),
                reason=request.POST.get("reason", ""),
                actor=request.user,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"Created {co.code}.")
            return redirect("delivery:change_order", change_order_id=co.pk)
    ctx = {"project": p, "versions": selectors.change_order_candidates(project=p), "error": error}
    return render(request, "delivery/change_order_new.html", ctx, status=422 if error else 200)


@permission_required("delivery.view_changeorder", raise_exception=True)
def change_order(request: AuthedRequest, change_order_id: int) -> HttpResponse:
    try:
        co = selectors.change_order_get(user=request.user, change_order_id=change_order_id)
    except DomainError:
        return _not_found(request)
    required = services.required_approvals(co)
    ctx = {
        "co": co,
        "preview": document_rendering.render_html(
            change_order_document(co.content, vendor=vendor_get()), standalone=False
        ),
        "approvals": approval_list(co),
        "required": required,
        "can_change": request.user.has_perm("delivery.manage_change_order"),
        "decide_kinds": [k for k in required if request.user.has_perm(f"approvals.decide_{k}")],
        "deliveries": email_deliveries(source=co),
        "signature_requests": list(co.signature_requests.all()),
        "signatures": list(co.signatures.all()),
        "can_countersign": request.user.has_perm(COUNTERSIGN),
        "countersign_refusal": CHANGE_ORDER_WORKFLOW.refusal(co, "countersign", MoveContext(actor=request.user))
        if co.status == "customer_signed"
        else None,
    }
    return render(request, "delivery/change_order.html", ctx)


@_co_action("delivery.manage_change_order")
def change_order_submit(request: AuthedRequest, change_order_id: int) -> None:
    services.change_order_submit(change_order_id=change_order_id, actor=request.user)
    messages.success(request, "Approvals requested.")


@_co_action("delivery.view_changeorder")
def change_order_decide(request: AuthedRequest, change_order_id: int) -> None:
    co = selectors.change_order_get(user=request.user, change_order_id=change_order_id)
    services.change_order_decide(
        change_order_id=co.pk,
        kind=request.POST.get("kind", ""),
        approve=request.POST.get("decision") == "approve",
        comment=request.POST.get("comment", ""),
        actor=request.user,
    )


@_co_action("delivery.manage_change_order")
def change_order_send(request: AuthedRequest, change_order_id: int) -> None:
    services.change_order_send(
        change_order_id=change_order_id, actor=request.user, signer_email=request.POST.get("signer_email", "")
    )
    messages.success(request, "Sent to the customer for signature.")


@_co_action("delivery.manage_change_order")
def change_order_sign(request: AuthedRequest, change_order_id: int) -> None:
    services.change_order_sign(
        change_order_id=change_order_id,
        actor=request.user,
        name=request.POST.get("name", ""),
        title=request.POST.get("title", ""),
    )
    messages.success(request, "The customer's signature is recorded; the vendor signatory countersigns next.")


@_co_action(COUNTERSIGN)
def change_order_countersign(request: AuthedRequest, change_order_id: int) -> None:
    co = services.change_order_countersign(change_order_id=change_order_id, actor=request.user)
    messages.success(request, f"Countersigned: {co.code} is executed and the project follows.")


@_co_action("delivery.manage_change_order")
def change_order_withdraw(request: AuthedRequest, change_order_id: int) -> None:
    services.change_order_withdraw(
        change_order_id=change_order_id, actor=request.user, reason=request.POST.get("reason", "")
    )


@permission_required("delivery.view_changeorder", raise_exception=True)
def change_order_file(request: AuthedRequest, change_order_id: int, fmt: str) -> HttpResponse:
    try:
        co = selectors.change_order_get(user=request.user, change_order_id=change_order_id)
    except DomainError:
        return _not_found(request)
    f = {"pdf": co.pdf, "docx": co.docx, "executed.pdf": co.executed_pdf}.get(fmt)
    if not f:
        return _not_found(request)
    with f.open("rb") as fh:
        data = fh.read()
    mime = (
        "application/pdf"
        if fmt.endswith("pdf")
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    resp = HttpResponse(data, content_type=mime)
    resp["Content-Disposition"] = f'attachment; filename="{co.code}{"-" if fmt == "executed.pdf" else "."}{fmt}"'
    return resp
