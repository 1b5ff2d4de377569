"""Project pages: the coordinator's list with the welcome SLA, a project's set-up page, the dashboard,
and one POST view per action on the set-up page (parse, call one service, back to the page)."""

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
from psdesk.notifications.selectors import email_deliveries
from psdesk.projects import services
from psdesk.projects.choices import ContactRole, ProjectStatus
from psdesk.projects.selectors import (
    backlog_suggested,
    project_get,
    project_list,
    welcome_on_time,
    welcome_render,
    welcome_timer,
    welcome_timers,
)
from psdesk.projects.workflow import PROJECT_WORKFLOW

VIEW = "projects.view_project"


@permission_required(VIEW, raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    projects = list(project_list(user=request.user, status=status, mine=request.GET.get("mine") == "1")[:200])
    timers = welcome_timers(projects)
    rows = [(p, timers.get(p.pk)) for p in projects]
    return render(request, "projects/index.html", {"rows": rows, "statuses": ProjectStatus.choices, "status": status})


@permission_required(VIEW, raise_exception=True)
def detail(request: AuthedRequest, project_id: int) -> HttpResponse:
    try:
        project = project_get(user=request.user, project_id=project_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    preview = None
    preview_error = ""
    try:
        preview = welcome_render(project=project)
    except DomainError as exc:
        preview_error = exc.message
    moves = [
        {
            "action": m.action,
            "label": m.label,
            "needs_reason": m.needs_reason,
            "refusal": PROJECT_WORKFLOW.refusal(project, m.action, MoveContext(actor=request.user, reason="(r)")),
        }
        for m in PROJECT_WORKFLOW.actions_from(project.status)
        if not m.system_only
    ]
    ctx: dict[str, Any] = {
        "project": project,
        "timer": welcome_timer(project),
        "checklist": project.checklist.select_related("done_by"),
        "contacts": project.contacts.all(),
        "tasks": project.tasks.all(),
        "emails": project.welcome_emails.all(),
        "deliveries": email_deliveries(source=project),
        "open_request": project.contact_requests.filter(resolved_at__isnull=True).first(),
        "preview": preview,
        "preview_error": preview_error,
        "roles": ContactRole.choices,
        "moves": moves,
        "can_manage": request.user.has_perm("projects.manage_project"),
        "backlog_suggested": backlog_suggested(project),
    }
    return render(request, "projects/detail.html", ctx)


def _action(view: Callable[[AuthedRequest, int], None]) -> Callable[[AuthedRequest, int], HttpResponse]:
    """A POST from the project page by a coordinator: a refusal becomes an error message; either way
    back to the page."""

    @require_POST
    @permission_required("projects.manage_project", raise_exception=True)
    @wraps(view)
    def wrapped(request: AuthedRequest, project_id: int) -> HttpResponse:
        try:
            view(request, project_id)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("projects:detail", project_id=project_id)

    return wrapped


@_action
def checklist_set(request: AuthedRequest, project_id: int) -> None:
    services.checklist_set(
        project_id=project_id,
        key=request.POST.get("key", ""),
        done=request.POST.get("done") == "1",
        actor=request.user,
    )


@_action
def contact_add(request: AuthedRequest, project_id: int) -> None:
    services.contact_add(
        project_id=project_id,
        name=request.POST.get("name", ""),
        email=request.POST.get("email", ""),
        role=request.POST.get("role", ""),
        actor=request.user,
    )


@_action
def contacts_request(request: AuthedRequest, project_id: int) -> None:
    services.contacts_request(project_id=project_id, actor=request.user)
    messages.info(request, "Asked the account team for the customer contacts.")


@_action
def welcome_send(request: AuthedRequest, project_id: int) -> None:
    services.welcome_send(
        project_id=project_id, actor=request.user, resend_reason=request.POST.get("resend_reason", "")
    )
    messages.success(request, "Welcome email queued for delivery.")


@_action
def project_move(request: AuthedRequest, project_id: int) -> None:
    services.project_transition(
        project_id=project_id,
        action=request.POST.get("action", ""),
        actor=request.user,
        reason=request.POST.get("reason", ""),
    )


@permission_required(VIEW, raise_exception=True)
def dashboard(request: AuthedRequest) -> HttpResponse:
    months, people = welcome_on_time(user=request.user)
    return render(request, "projects/dashboard.html", {"months": months, "people": people})
