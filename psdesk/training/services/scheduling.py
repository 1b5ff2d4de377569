"""Scheduling a request in `planning`: sessions for a trainer request (new or existing, each course
covered by enough seats), a seat (or waitlist place) for an audit request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from psdesk.audit.transitions import Applied, transition_apply
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.notifications.services import notify
from psdesk.scheduling.models import Consultant
from psdesk.training import selectors
from psdesk.training.checklist import sessions_needed
from psdesk.training.choices import (
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    SessionAudience,
    SessionStatus,
)
from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.querysets import PLAN_PERM
from psdesk.training.services.registrations import registration_create, registration_link_send
from psdesk.training.services.sessions import session_create
from psdesk.training.workflow import REQUEST_WORKFLOW


@dataclass
class SessionPlan:
    """One session of a trainer request: an existing session, or a new one (instructor picked
    automatically among free certified trainers when not given)."""

    course_id: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str = ""
    instructor_id: int | None = None
    session_id: int | None = None
    location: str = ""


@dataclass
class ScheduleResult:
    request: TrainingRequest
    sessions: list[Session]
    registrations: list[Registration]
    waitlisted: bool = False


def request_schedule(
    *,
    request_id: int,
    actor: Actor,
    plans: Sequence[SessionPlan] = (),
    session_id: int | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> ScheduleResult:
    """Schedule a request in `planning`.

    Trainer request: create or pick the session(s) in `plans` (each course covered by enough seats
    for the audience; new sessions get a free certified instructor), register the named attendees,
    send their links. Audit request: take a seat in `session_id` (default: the desired session);
    when the session is full the requester joins the waitlist and the request stays in planning
    until a seat frees up. Either way, links within the policy lead time (14 days) need `reason`.

    Raises PermissionDenied, NotFound, ValidationFailed, Conflict, TransitionNotAllowed; on any
    refusal nothing is written."""
    permission_require(actor, PLAN_PERM)
    policy = selectors.policy_get()
    with transaction.atomic():
        req = selectors.request_get(user=actor, request_id=request_id, for_update=True)
        if req.status != RequestStatus.PLANNING:
            REQUEST_WORKFLOW.check(req, "schedule", MoveContext(actor=actor, reason=reason))
        if req.kind == RequestKind.AUDIT:
            return _schedule_audit(
                req,
                actor=actor,
                session_id=session_id,
                reason=reason,
                expected_version=expected_version,
                lead_days=policy.registration_lead_days,
            )
        return _schedule_trainer(
            req,
            actor=actor,
            plans=plans,
            reason=reason,
            expected_version=expected_version,
            lead_days=policy.registration_lead_days,
        )


def _apply_schedule(
    req: TrainingRequest, *, actor: Actor, reason: str, expected_version: int | None, earliest: datetime, lead_days: int
) -> Applied:
    late = earliest - clock.now() < timedelta(days=lead_days)

    def before(obj: Any, move: Any, source: str, target: str) -> dict[str, Any]:
        return {"state_changed_at": clock.now(), **({"late_reason": reason} if late else {})}

    return transition_apply(
        workflow=REQUEST_WORKFLOW,
        queryset=TrainingRequest.objects.visible_to(actor),
        pk=req.pk,
        action="schedule",
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data={"earliest_start": earliest, "lead_days": lead_days},
        before_save=before,
    )


def _schedule_audit(
    req: TrainingRequest,
    *,
    actor: Actor,
    session_id: int | None,
    reason: str,
    expected_version: int | None,
    lead_days: int,
) -> ScheduleResult:
    sid = session_id or req.desired_session_id
    if sid is None:
        raise ValidationFailed("Choose the session the requester attends.", details={"field": "session_id"})
    s = selectors.customer_session_get(user=actor, session_id=sid, field="session_id")
    if not req.courses.filter(pk=s.course_id).exists():
        raise ValidationFailed("That session teaches another course.", details={"field": "session_id"})
    # refuse a late link before taking a seat (the move is checked again when applied)
    REQUEST_WORKFLOW.check(
        req,
        "schedule",
        MoveContext(actor=actor, reason=reason, data={"earliest_start": s.starts_at, "lead_days": lead_days}),
    )
    reg = registration_create(session_id=s.pk, user=req.requester, actor=actor, request=req, send_link=False)
    if reg.status == RegistrationStatus.WAITLISTED:
        return ScheduleResult(request=req, sessions=[s], registrations=[reg], waitlisted=True)
    applied = _apply_schedule(
        req, actor=actor, reason=reason, expected_version=expected_version, earliest=s.starts_at, lead_days=lead_days
    )
    req.sessions.add(s)
    registration_link_send(registration=reg, actor=actor)
    notify(
        event="training.scheduled",
        target=req,
        actor=actor,
        recipients=[req.requester],
        account=s.account,
        context={"session": str(s)},
    )
    return ScheduleResult(request=applied.obj, sessions=[s], registrations=[reg])


def _planned_existing(
    req: TrainingRequest, *, actor: Actor, i: int, session_id: int, wanted: dict[int, Sku]
) -> Session:
    """An existing session of plan `i`: visible, of a requested course, still ahead."""
    s = Session.objects.visible_to(actor).filter(pk=session_id).first()
    if s is None:
        raise NotFound(f"session {session_id} not found")
    if s.course_id not in wanted:
        raise ValidationFailed(
            "That session teaches a course the request does not ask for.",
            details={"field": f"plans[{i}].session_id"},
        )
    if s.status != SessionStatus.SCHEDULED or s.starts_at <= clock.now():
        raise ValidationFailed(
            "That session is over or cancelled.",
            code="session_in_past",
            details={"field": f"plans[{i}].session_id"},
        )
    return s


def _planned_new(req: TrainingRequest, *, actor: Actor, i: int, plan: SessionPlan, wanted: dict[int, Sku]) -> Session:
    """Create the new session of plan `i` (a free certified instructor when none is named)."""
    if plan.course_id is None or plan.course_id not in wanted:
        raise ValidationFailed(
            "Each planned session teaches one of the requested courses.", details={"field": f"plans[{i}].course_id"}
        )
    if plan.starts_at is None or plan.ends_at is None:
        raise ValidationFailed("A new session needs a start and an end.", details={"field": f"plans[{i}].starts_at"})
    instructor = None
    if plan.instructor_id is not None:
        instructor = Consultant.objects.filter(pk=plan.instructor_id).first()
        if instructor is None:
            raise ValidationFailed(
                f"No consultant {plan.instructor_id}.", details={"field": f"plans[{i}].instructor_id"}
            )
    return session_create(
        actor=actor,
        course=wanted[plan.course_id],
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        timezone=plan.timezone or req.timezone,
        audience=SessionAudience.INTERNAL,
        delivery_mode=req.delivery_mode,
        location=plan.location or req.location,
        instructor=instructor,
        auto_instructor=instructor is None,
        title=f"{wanted[plan.course_id].name} for {req.team}".strip(),
    )


def _seats_cover_audience(req: TrainingRequest, *, sessions: list[Session], wanted: dict[int, Sku]) -> None:
    """Raises ValidationFailed (`over_capacity`) when a course's planned seats are fewer than the audience."""
    for cid, course in wanted.items():
        seats = sum(s.seats_left for s in sessions if s.course_id == cid)
        if seats < req.audience_size:
            size = selectors.class_size_of(course)
            raise ValidationFailed(
                f"{req.audience_size} attendees need {sessions_needed(req.audience_size, size)} session(s) of "
                f"{course.name} ({seats} seats planned).",
                code="over_capacity",
                details={"field": "plans", "course_id": cid},
            )


def _attendees_register(
    req: TrainingRequest, *, actor: Actor, sessions: list[Session], wanted: dict[int, Sku]
) -> list[Registration]:
    """Register each named attendee in the first session of each course with a seat left."""
    regs: list[Registration] = []
    attendees = list(req.attendees.all().order_by("id"))
    for cid in wanted:
        course_sessions = [s for s in sessions if s.course_id == cid]
        for person in attendees:
            target = next(
                (s for s in course_sessions if Session.objects.get(pk=s.pk).seats_left > 0), course_sessions[0]
            )
            regs.append(registration_create(session_id=target.pk, user=person, actor=actor, request=req))
    return regs


def _schedule_trainer(
    req: TrainingRequest,
    *,
    actor: Actor,
    plans: Sequence[SessionPlan],
    reason: str,
    expected_version: int | None,
    lead_days: int,
) -> ScheduleResult:
    if not plans:
        raise ValidationFailed("Plan at least one session.", details={"field": "plans"})
    wanted = {c.pk: c for c in req.courses.all()}
    sessions = [
        _planned_existing(req, actor=actor, i=i, session_id=plan.session_id, wanted=wanted)
        if plan.session_id is not None
        else _planned_new(req, actor=actor, i=i, plan=plan, wanted=wanted)
        for i, plan in enumerate(plans)
    ]
    _seats_cover_audience(req, sessions=sessions, wanted=wanted)
    earliest = min(s.starts_at for s in sessions)
    applied = _apply_schedule(
        req, actor=actor, reason=reason, expected_version=expected_version, earliest=earliest, lead_days=lead_days
    )
    req.sessions.add(*sessions)
    regs = _attendees_register(req, actor=actor, sessions=sessions, wanted=wanted)
    instructors = [s.instructor.user for s in sessions if s.instructor and s.instructor.user]
    notify(
        event="training.scheduled",
        target=req,
        actor=actor,
        recipients=[req.requester, *instructors],
        context={"sessions": ", ".join(str(s) for s in sessions)},
    )
    for s in sessions:
        s.refresh_from_db()
    return ScheduleResult(request=applied.obj, sessions=sessions, registrations=regs)
