"""Delivery pages: the list of delivery projects, a project's delivery page (milestones with their
acceptance, the budget, change orders, the close-out checklist), a change order's page, and one POST
view per action (parse, call one service, back to the page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.delivery import selectors, services
from psdesk.delivery.workflow import MILESTONE_WORKFLOW
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


def _action(
    perm: str,
) -> Callable[[Callable[[AuthedRequest, int], None]], Callable[[AuthedRequest, int], HttpResponse]]:
    """A POST from the delivery page: a refusal becomes an error message; either way back to it."""

    def deco(view: Callable[[AuthedRequest, int], None]) -> Callable[[AuthedRequest, int], HttpResponse]:
        @require_POST
        @permission_required(perm, raise_exception=True)
        @wraps(view)
        def wrapped(request: AuthedRequest, project_id: int) -> HttpResponse:
            try:
                view(request, project_id)
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("delivery:project", project_id=project_id)

        return wrapped

    return deco


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
