"""REST endpoints for delivery projects: list/detail, status moves, checklist, contacts, the
welcome email (with a dry-run preview) and its SLA state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import PermissionDenied, ValidationFailed
from psdesk.core.types import AuthedRequest
from psdesk.projects import services
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.selectors import project_get, project_list, welcome_render, welcome_timer

router = Router(tags=["projects"])


class TimerOut(Schema):
    policy_key: str
    state: str
    status: str
    outcome: str
    started_at: datetime
    due_at: datetime | None
    hours_left: float


class ProjectOut(Schema):
    id: int
    name: str
    account_id: int
    opportunity_id: int
    engagement_id: int | None
    kind: str
    status: str
    budget: Decimal
    currency: str
    target_margin: Decimal
    coordinator: str | None
    booked_at: datetime | None
    welcome_sent_at: datetime | None
    version: int

    @staticmethod
    def resolve_coordinator(obj: Any) -> str | None:
        return obj.coordinator.username if obj.coordinator else None


class ChecklistOut(Schema):
    key: str
    label: str
    done: bool


class ContactOut(Schema):
    name: str
    email: str
    role: str


class ProjectDetail(ProjectOut):
    checklist: list[ChecklistOut]
    contacts: list[ContactOut]
    welcome_timer: TimerOut | None

    @staticmethod
    def resolve_checklist(obj: Any) -> list[dict[str, Any]]:
        return [{"key": i.key, "label": i.get_key_display(), "done": i.done} for i in obj.checklist.all()]

    @staticmethod
    def resolve_contacts(obj: Any) -> list[dict[str, Any]]:
        return [{"name": c.name, "email": c.email, "role": c.role} for c in obj.contacts.all()]

    @staticmethod
    def resolve_welcome_timer(obj: Any) -> dict[str, Any] | None:
        timer = welcome_timer(obj)
        return None if timer is None else {**timer.__dict__, "hours_left": timer.hours_left}


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class ProjectListParams(Schema):
    status: str | None = None
    mine: bool = False
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class ProjectTransitionIn(Schema):
    action: str = Field(..., max_length=64)
    reason: str = Field("", max_length=5000)
    expected_version: StrictInt | None = None


class ChecklistIn(Schema):
    done: StrictBool
    note: str = Field("", max_length=500)


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=150)
    email: str = Field(..., max_length=254)
    role: str = Field(..., max_length=20)


class WelcomeIn(Schema):
    dry_run: bool = False
    resend_reason: str = Field("", max_length=2000)


class WelcomeOut(Schema):
    sent: bool
    to: list[str]
    cc: list[str]
    subject: str
    body: str


def _view(request: AuthedRequest) -> None:
    if not request.user.has_perm("projects.view_project"):
        raise PermissionDenied("Your role may not see delivery projects.")


def _manage(request: AuthedRequest) -> None:
    if not request.user.has_perm("projects.manage_project"):
        raise PermissionDenied("Only project coordinators and PS Ops manage projects.")


def _detail(request: AuthedRequest, project_id: int) -> Any:
    return project_get(user=request.user, project_id=project_id)


@router.get("/projects", response={200: ProjectPage, **errors(401, 403, 422)})
def list_projects(request: AuthedRequest, params: Query[ProjectListParams]) -> Any:
    _view(request)
    if params.status and params.status not in ProjectStatus.values:
        raise ValidationFailed(f"Unknown status '{params.status}'.", details={"field": "status"})
    qs = project_list(user=request.user, status=params.status or "", mine=params.mine)
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


@router.get("/projects/{project_id}", response={200: ProjectDetail, **errors(401, 403, 404)})
def get_project(request: AuthedRequest, project_id: int) -> Any:
    _view(request)
    return _detail(request, project_id)


@router.post(
    "/projects/{project_id}/transitions", response={200: ProjectDetail, **errors(400, 401, 403, 404, 409, 422)}
)
def move_project(request: AuthedRequest, project_id: int, payload: ProjectTransitionIn) -> Any:
    _view(request)
    services.project_transition(
        project_id=project_id,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _detail(request, project_id)


@router.put("/projects/{project_id}/checklist/{key}", response={200: ProjectDetail, **errors(401, 403, 404, 409, 422)})
def set_checklist(request: AuthedRequest, project_id: int, key: str, payload: ChecklistIn) -> Any:
    _manage(request)
    services.checklist_set(project_id=project_id, key=key, done=payload.done, actor=request.user, note=payload.note)
    return _detail(request, project_id)


@router.post("/projects/{project_id}/contacts", response={201: ProjectDetail, **errors(401, 403, 404, 409, 422)})
def add_contact(request: AuthedRequest, project_id: int, payload: ContactIn) -> Any:
    _manage(request)
    services.contact_add(
        project_id=project_id, name=payload.name, email=payload.email, role=payload.role, actor=request.user
    )
    return Status(201, _detail(request, project_id))


@router.post("/projects/{project_id}/contact-requests", response={200: ProjectDetail, **errors(401, 403, 404)})
def request_contacts(request: AuthedRequest, project_id: int) -> Any:
    """Ask the account team for the missing customer contacts (idempotent while one is open)."""
    _manage(request)
    services.contacts_request(project_id=project_id, actor=request.user)
    return _detail(request, project_id)


@router.post("/projects/{project_id}/welcome", response={200: WelcomeOut, **errors(401, 403, 404, 409, 422)})
def send_welcome(request: AuthedRequest, project_id: int, payload: WelcomeIn) -> Any:
    """Send the welcome email (or preview it with `dry_run`). A second send needs `resend_reason`."""
    _manage(request)
    if payload.dry_run:
        draft = welcome_render(project=project_get(user=request.user, project_id=project_id))
        return {"sent": False, **draft.__dict__}
    email = services.welcome_send(project_id=project_id, actor=request.user, resend_reason=payload.resend_reason)
    return {"sent": True, "to": email.to, "cc": email.cc, "subject": email.subject, "body": email.body}
