"""REST endpoints for training requests, sessions and registrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.inputs import AwareDateTime
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.crm.models import Account
from psdesk.scheduling.models import Consultant
from psdesk.training import selectors, services
from psdesk.training.choices import RequestStatus
from psdesk.training.models import Registration, Session, TrainingPolicy, TrainingRequest
from psdesk.training.querysets import PLAN_PERM

router = Router(tags=["training"])
VIEW = "training.view_session"


class TaskOut(Schema):
    key: str
    label: str
    done: bool


class RequestOut(Schema):
    id: int
    kind: str
    status: str
    version: int
    requester: str
    courses: list[str]
    team: str
    cost_centre: str
    audience_size: int
    split_sessions: bool
    preferred_start: date | None
    preferred_end: date | None
    timezone: str
    delivery_mode: str
    location: str
    justification: str
    desired_session_id: int | None
    manager: str | None
    manager_decision: str
    session_ids: list[int]
    late_reason: str
    tasks: list[TaskOut]
    created_at: datetime


def _request_out(req: TrainingRequest, *, policy: TrainingPolicy | None = None) -> dict[str, Any]:
    return {
        "id": req.pk,
        "kind": req.kind,
        "status": req.status,
        "version": req.version,
        "requester": req.requester.get_username(),
        "courses": [c.code for c in req.courses.all()],
        "team": req.team,
        "cost_centre": req.cost_centre,
        "audience_size": req.audience_size,
        "split_sessions": req.split_sessions,
        "preferred_start": req.preferred_start,
        "preferred_end": req.preferred_end,
        "timezone": req.timezone,
        "delivery_mode": req.delivery_mode,
        "location": req.location,
        "justification": req.justification,
        "desired_session_id": req.desired_session_id,
        "manager": req.manager.get_username() if req.manager else None,
        "manager_decision": req.manager_decision,
        "session_ids": sorted(s.pk for s in req.sessions.all()),
        "late_reason": req.late_reason,
        "tasks": [t.__dict__ for t in selectors.request_tasks(req, policy=policy)],
        "created_at": req.created_at,
    }


class RequestPage(Schema):
    count: int
    items: list[RequestOut]


class RequestListParams(Schema):
    status: str | None = Field(None, max_length=20)
    mine: bool = False
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class TrainerRequestIn(Schema):
    team: str = Field(..., min_length=1, max_length=120)
    cost_centre: str = Field(..., min_length=1, max_length=40)
    course_ids: list[int] = Field(..., min_length=1, max_length=20)
    audience_size: int = Field(..., ge=1, le=10_000)
    split_sessions: bool = False
    preferred_start: date | None = None
    preferred_end: date | None = None
    timezone: str = Field("UTC", max_length=64)
    delivery_mode: str = Field("remote", max_length=8)
    location: str = Field("", max_length=200)
    justification: str = Field(..., min_length=1, max_length=5000)
    attendee_ids: list[int] = Field([], max_length=500)


class AuditRequestIn(Schema):
    course_id: int
    desired_session_id: int | None = None
    preferred_start: date | None = None
    preferred_end: date | None = None
    timezone: str = Field("UTC", max_length=64)


class TrainingTransitionIn(Schema):
    action: str = Field(..., max_length=64)
    reason: str = Field("", max_length=5000)
    expected_version: StrictInt | None = None


class ApprovalIn(Schema):
    approve: bool
    reason: str = Field("", max_length=2000)


class PlanIn(Schema):
    course_id: int | None = None
    starts_at: AwareDateTime | None = None
    ends_at: AwareDateTime | None = None
    timezone: str = Field("", max_length=64)
    instructor_id: int | None = None
    session_id: int | None = None
    location: str = Field("", max_length=200)


class ScheduleIn(Schema):
    plans: list[PlanIn] = Field([], max_length=20)
    session_id: int | None = None
    reason: str = Field("", max_length=2000)
    expected_version: StrictInt | None = None


class RegistrationOut(Schema):
    id: int
    session_id: int
    user: str
    status: str
    request_id: int | None
    attended: bool | None
    waitlist_position: int | None
    created_at: datetime

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return str(obj.user.get_username())

    @staticmethod
    def resolve_waitlist_position(obj: Any) -> int | None:
        return selectors.waitlist_position(obj)


class ScheduleOut(Schema):
    request: RequestOut
    session_ids: list[int]
    registrations: list[RegistrationOut]
    waitlisted: bool


class SessionOut(Schema):
    id: int
    title: str
    course_id: int
    course: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    delivery_mode: str
    location: str
    instructor_id: int | None
    capacity: int
    seats_taken: int
    seats_left: int
    audience: str
    account_id: int | None
    status: str

    @staticmethod
    def resolve_course(obj: Any) -> str:
        return str(obj.course.code)

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj)


class SessionDetail(SessionOut):
    roster: list[RegistrationOut]


class SessionPage(Schema):
    count: int
    items: list[SessionOut]


class SessionListParams(Schema):
    start: AwareDateTime | None = None
    end: AwareDateTime | None = None
    audience: str | None = Field(None, max_length=10)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class SessionIn(Schema):
    course_id: int
    starts_at: AwareDateTime
    ends_at: AwareDateTime
    timezone: str = Field(..., max_length=64)
    audience: str = Field("internal", max_length=10)
    delivery_mode: str = Field("remote", max_length=8)
    location: str = Field("", max_length=200)
    instructor_id: int | None = None
    auto_instructor: bool = False
    capacity: int | None = Field(None, ge=1, le=1000)
    account_id: int | None = None
    title: str = Field("", max_length=200)


class RegistrationIn(Schema):
    user_id: int | None = None


class DeliverIn(Schema):
    attended_user_ids: list[int] | None = Field(None, max_length=1000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


# --- requests -------------------------------------------------------------------------------------


@router.get("/training/requests", response={200: RequestPage, **errors()})
def list_requests(request: AuthedRequest, params: Query[RequestListParams]) -> Any:
    """Requests you may see: your own, your reports' audit requests, all of them for coordinators."""
    permission_require(request.user, "training.view_trainingrequest")
    if params.status and params.status not in RequestStatus.values:
        raise ValidationFailed(f"Unknown status '{params.status}'.", details={"field": "status"})
    qs = selectors.request_list(user=request.user, mine=params.mine, status=params.status or "")
    total = qs.count()
    policy = selectors.policy_get()
    items = [_request_out(r, policy=policy) for r in qs[params.offset : params.offset + params.limit]]
    return {"count": total, "items": items}


@router.post("/training/requests/trainer", response={201: RequestOut, **errors()})
def create_trainer_request(request: AuthedRequest, payload: TrainerRequestIn) -> Any:
    """A team lead asks for a trainer for their team."""
    permission_require(request.user, "training.add_trainingrequest")
    attendees = list(User.objects.filter(pk__in=payload.attendee_ids, is_active=True))
    if len(attendees) != len(set(payload.attendee_ids)):
        raise ValidationFailed("Unknown attendee.", details={"field": "attendee_ids"})
    req = services.trainer_request_create(
        requester=request.user,
        team=payload.team,
        cost_centre=payload.cost_centre,
        courses=payload.course_ids,
        audience_size=payload.audience_size,
        split_sessions=payload.split_sessions,
        preferred_start=payload.preferred_start,
        preferred_end=payload.preferred_end,
        timezone=payload.timezone,
        delivery_mode=payload.delivery_mode,
        location=payload.location,
        justification=payload.justification,
        attendees=attendees,
    )
    return Status(201, _request_out(req))


@router.post("/training/requests/audit", response={201: RequestOut, **errors()})
def create_audit_request(request: AuthedRequest, payload: AuditRequestIn) -> Any:
    """An individual asks to audit a customer-facing session; their manager is asked to approve."""
    permission_require(request.user, "training.add_trainingrequest")
    req = services.audit_request_create(
        requester=request.user,
        course=payload.course_id,
        desired_session_id=payload.desired_session_id,
        preferred_start=payload.preferred_start,
        preferred_end=payload.preferred_end,
        timezone=payload.timezone,
    )
    return Status(201, _request_out(req))


@router.get("/training/requests/{request_id}", response={200: RequestOut, **errors()})
def get_request(request: AuthedRequest, request_id: int) -> Any:
    permission_require(request.user, "training.view_trainingrequest")
    return _request_out(selectors.request_get(user=request.user, request_id=request_id))


@router.post("/training/requests/{request_id}/transition", response={200: RequestOut, **errors()})
def transition_request(request: AuthedRequest, request_id: int, payload: TrainingTransitionIn) -> Any:
    """Apply a workflow move (complete_tasks, reopen_tasks, start_planning, deliver, close, cancel);
    scheduling uses /schedule."""
    permission_require(request.user, "training.view_trainingrequest")
    applied = services.request_transition(
        request_id=request_id,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _request_out(applied.obj)


@router.post("/training/requests/{request_id}/approval", response={200: RequestOut, **errors()})
def decide_approval(request: AuthedRequest, request_id: int, payload: ApprovalIn) -> Any:
    """The requester's manager approves or rejects an audit request."""
    permission_require(request.user, "training.view_trainingrequest")
    if not selectors.request_list(user=request.user).filter(pk=request_id).exists():
        raise NotFound(f"training request {request_id} not found")
    req = services.audit_approval_decide(
        request_id=request_id, actor=request.user, approve=payload.approve, reason=payload.reason
    )
    return _request_out(req)


@router.post("/training/requests/{request_id}/schedule", response={200: ScheduleOut, **errors()})
def schedule_request(request: AuthedRequest, request_id: int, payload: ScheduleIn) -> Any:
    """Trainer request: create or pick sessions (`plans`). Audit request: take a seat in
    `session_id` (default the desired session); a full session puts the requester on the waitlist."""
    permission_require(request.user, PLAN_PERM)
    result = services.request_schedule(
        request_id=request_id,
        actor=request.user,
        plans=[services.SessionPlan(**p.dict()) for p in payload.plans],
        session_id=payload.session_id,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    result.request.refresh_from_db()
    return {
        "request": _request_out(result.request),
        "session_ids": [s.pk for s in result.sessions],
        "registrations": [Registration.objects.select_related("user").get(pk=r.pk) for r in result.registrations],
        "waitlisted": result.waitlisted,
    }


# --- sessions -------------------------------------------------------------------------------------


@router.get("/training/sessions", response={200: SessionPage, **errors()})
def list_sessions(request: AuthedRequest, params: Query[SessionListParams]) -> Any:
    permission_require(request.user, VIEW)
    qs = selectors.session_list(user=request.user, start=params.start, end=params.end)
    if params.audience:
        qs = qs.filter(audience=params.audience)
    total = qs.count()
    return {"count": total, "items": list(qs[params.offset : params.offset + params.limit])}


@router.post("/training/sessions", response={201: SessionOut, **errors()})
def create_session(request: AuthedRequest, payload: SessionIn) -> Any:
    """Create a session (coordinators). Capacity defaults to the course's class size."""
    permission_require(request.user, PLAN_PERM)
    instructor = None
    if payload.instructor_id is not None:
        instructor = Consultant.objects.filter(pk=payload.instructor_id).first()
        if instructor is None:
            raise ValidationFailed(f"No consultant {payload.instructor_id}.", details={"field": "instructor_id"})
    account = None
    if payload.account_id is not None:
        account = Account.objects.visible_to(request.user).filter(pk=payload.account_id).first()
        if account is None:
            raise NotFound(f"account {payload.account_id} not found")
    s = services.session_create(
        actor=request.user,
        course=payload.course_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        timezone=payload.timezone,
        audience=payload.audience,
        delivery_mode=payload.delivery_mode,
        location=payload.location,
        instructor=instructor,
        auto_instructor=payload.auto_instructor,
        capacity=payload.capacity,
        account=account,
        title=payload.title,
    )
    return Status(201, s)


@router.get("/training/sessions/{session_id}", response={200: SessionDetail, **errors()})
def get_session(request: AuthedRequest, session_id: int) -> Any:
    """A session with its roster (the roster only for coordinators; others see their own row)."""
    permission_require(request.user, VIEW)
    s = selectors.session_get(user=request.user, session_id=session_id)
    regs = selectors.roster(s)
    if not request.user.has_perm(PLAN_PERM):
        regs = [r for r in regs if r.user_id == request.user.pk]
    s.roster = regs  # type: ignore[attr-defined]
    return s


@router.post("/training/sessions/{session_id}/registrations", response={201: RegistrationOut, **errors()})
def register(request: AuthedRequest, session_id: int, payload: RegistrationIn) -> Any:
    """Register yourself (internal sessions) or, as a coordinator, anyone. A full session gives a
    waitlist place (status `waitlisted`), not an error."""
    permission_require(request.user, "training.add_registration")
    user = request.user
    if payload.user_id is not None and payload.user_id != request.user.pk:
        found = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if found is None:
            raise ValidationFailed(f"No user {payload.user_id}.", details={"field": "user_id"})
        user = found
    reg = services.registration_create(session_id=session_id, user=user, actor=request.user)
    return Status(201, reg)


@router.post(
    "/training/registrations/{registration_id}/cancel",
    response={200: RegistrationOut, **errors()},
)
def cancel_registration(request: AuthedRequest, registration_id: int, payload: ReasonIn) -> Any:
    permission_require(request.user, VIEW)
    visible = Registration.objects.filter(
        pk=registration_id, session__in=Session.objects.visible_to(request.user)
    ).exists()
    if not visible:
        raise NotFound(f"registration {registration_id} not found")
    return services.registration_cancel(registration_id=registration_id, actor=request.user, reason=payload.reason)


@router.post("/training/sessions/{session_id}/deliver", response={200: SessionOut, **errors()})
def deliver_session(request: AuthedRequest, session_id: int, payload: DeliverIn) -> Any:
    """Mark a session delivered (after it ended) with attendance; unlocks the roster export."""
    permission_require(request.user, PLAN_PERM)
    return services.session_deliver(
        session_id=session_id, actor=request.user, attended_user_ids=payload.attended_user_ids
    )
