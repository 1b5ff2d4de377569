"""Training writes: requests (trainer / audit), manager approval, workflow moves, sessions,
scheduling, registrations with a waitlist, delivery and attendance.

Every write runs in one transaction and records an audit row; workflow moves go through
`transition_apply`. Seats are taken with a compare-and-set on `Session.seats_taken`
(`seats_taken < capacity`), so two last-seat registrations at once give one seat and one waitlist
place on every database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.catalog.choices import SkuCategory
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.calendar import CalendarError, validate_timezone
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.notifications.services import notify
from psdesk.scheduling.models import Consultant
from psdesk.training import selectors
from psdesk.training.checklist import sessions_needed
from psdesk.training.choices import (
    PRE_DELIVERY,
    DeliveryMode,
    ManagerDecision,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    SessionAudience,
    SessionStatus,
)
from psdesk.training.links import approval_link_path
from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.querysets import PLAN_PERM
from psdesk.training.workflow import REQUEST_WORKFLOW


def _tz(name: str, field: str = "timezone") -> str:
    try:
        validate_timezone(name)
    except CalendarError as exc:
        raise ValidationFailed(str(exc), details={"field": field}) from None
    return name


def _customer_session(actor: Actor, session_id: int, *, field: str) -> Session:
    """A customer-facing session the actor may see, or NotFound / ValidationFailed (internal-only:
    audit requests are for customer-facing sessions)."""
    session = Session.objects.visible_to(actor).filter(pk=session_id).first()
    if session is None:
        raise NotFound(f"session {session_id} not found")
    if session.audience != SessionAudience.CUSTOMER:
        raise ValidationFailed(
            "That session is internal-only; audit requests are for customer-facing sessions.",
            code="internal_only_session",
            details={"field": field},
        )
    return session


def _course(course: Sku | int) -> Sku:
    sku = course if isinstance(course, Sku) else Sku.objects.filter(pk=course).first()
    if sku is None or sku.category != SkuCategory.EDUCATION or not sku.active:
        raise ValidationFailed("Choose an active Education course from the catalog.", details={"field": "courses"})
    return sku


def _dates(start: date | None, end: date | None) -> None:
    if start is not None and start < clock.today():
        raise ValidationFailed("Preferred dates cannot be in the past.", details={"field": "preferred_start"})
    if start is not None and end is not None and end < start:
        raise ValidationFailed("The preferred end is before the start.", details={"field": "preferred_end"})


# --- requests -----------------------------------------------------------------------------------


def trainer_request_create(
    *,
    requester: Any,
    team: str,
    cost_centre: str,
    courses: Sequence[Sku | int],
    audience_size: int,
    justification: str,
    preferred_start: date | None = None,
    preferred_end: date | None = None,
    timezone: str = "UTC",
    delivery_mode: str = DeliveryMode.REMOTE,
    location: str = "",
    split_sessions: bool = False,
    attendees: Sequence[Any] = (),
) -> TrainingRequest:
    """A team lead asks PS to deliver course(s) to their team. Starts in `requested`.

    Raises ValidationFailed: no/unknown course, audience ≤ 0 or over a course's class size without
    `split_sessions`, dates in the past or reversed, bad timezone, onsite without location, more
    named attendees than the audience size."""
    permission_require(requester, "training.add_trainingrequest")
    if not courses:
        raise ValidationFailed("Choose at least one course.", details={"field": "courses"})
    skus = [_course(c) for c in courses]
    if audience_size < 1:
        raise ValidationFailed("The audience needs at least one person.", details={"field": "audience_size"})
    policy = selectors.policy_get()
    for sku in skus:
        size = selectors.class_size_of(sku, policy)
        if audience_size > size and not split_sessions:
            raise ValidationFailed(
                f"{audience_size} attendees exceed the class size of {size} for {sku.name}; "
                f"reduce the audience or split it into {sessions_needed(audience_size, size)} sessions.",
                code="over_capacity",
                details={"field": "audience_size", "class_size": size},
            )
    _dates(preferred_start, preferred_end)
    _tz(timezone)
    if delivery_mode not in DeliveryMode.values:
        raise ValidationFailed("Delivery mode is remote or onsite.", details={"field": "delivery_mode"})
    if delivery_mode == DeliveryMode.ONSITE and not location.strip():
        raise ValidationFailed("An onsite class needs a location.", details={"field": "location"})
    if len(attendees) > audience_size:
        raise ValidationFailed("More attendees named than the audience size.", details={"field": "attendees"})
    with transaction.atomic():
        req = TrainingRequest.objects.create(
            kind=RequestKind.TRAINER,
            requester=requester,
            team=team.strip(),
            cost_centre=cost_centre.strip(),
            audience_size=audience_size,
            split_sessions=split_sessions,
            justification=justification.strip(),
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            timezone=timezone,
            delivery_mode=delivery_mode,
            location=location.strip(),
            manager=getattr(getattr(requester, "profile", None), "manager", None),
        )
        req.courses.set(skus)
        if attendees:
            req.attendees.set(attendees)
        audit_record(
            verb="training.request_created",
            actor=requester,
            target=req,
            after={"kind": req.kind, "courses": [s.code for s in skus], "audience_size": audience_size},
        )
    return req


def audit_request_create(
    *,
    requester: Any,
    course: Sku | int,
    desired_session_id: int | None = None,
    preferred_start: date | None = None,
    preferred_end: date | None = None,
    timezone: str = "UTC",
) -> TrainingRequest:
    """An individual asks to audit (attend) a customer-facing session. Needs the requester's
    manager (Profile.manager), who is asked to approve in-app and by a signed link.

    Raises ValidationFailed: unknown course, an internal-only/past/cancelled session or one of another
    course, neither a session nor a date range, no manager on the profile. NotFound for a session
    the requester may not see."""
    permission_require(requester, "training.add_trainingrequest")
    sku = _course(course)
    session = None
    if desired_session_id is not None:
        session = _customer_session(requester, desired_session_id, field="desired_session_id")
        if session.course_id != sku.pk:
            raise ValidationFailed("That session teaches another course.", details={"field": "desired_session_id"})
        if session.status != SessionStatus.SCHEDULED or session.starts_at <= clock.now():
            raise ValidationFailed("That session is over or cancelled.", details={"field": "desired_session_id"})
    elif not (preferred_start and preferred_end):
        raise ValidationFailed("Choose a session or a date range.", details={"field": "desired_session_id"})
    _dates(preferred_start, preferred_end)
    _tz(timezone)
    manager = getattr(getattr(requester, "profile", None), "manager", None)
    if manager is None:
        raise ValidationFailed(
            "Your profile has no manager to approve the request; ask an admin to set it.",
            code="no_manager",
            details={"field": "manager"},
        )
    with transaction.atomic():
        req = TrainingRequest.objects.create(
            kind=RequestKind.AUDIT,
            requester=requester,
            desired_session=session,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            timezone=timezone,
            manager=manager,
            manager_decision=ManagerDecision.PENDING,
            audience_size=1,
        )
        req.courses.set([sku])
        audit_record(
            verb="training.request_created",
            actor=requester,
            target=req,
            after={"kind": req.kind, "courses": [sku.code], "desired_session": session.pk if session else None},
        )
        notify(
            event="training.approval_requested",
            target=req,
            actor=requester,
            recipients=[manager],
            account=session.account if session else None,
            context={"approval_link": settings.SITE_URL.rstrip("/") + approval_link_path(req.pk, manager.pk)},
        )
    return req


def audit_approval_decide(
    *, request_id: int, actor: Actor, approve: bool, reason: str = "", via: str = "app"
) -> TrainingRequest:
    """The requester's manager approves or rejects an audit request (from the app or the signed
    link). Audited as `training.manager_approved` / `training.manager_rejected`.

    Raises NotFound, PermissionDenied (anyone but the requester's current manager), Conflict
    (already decided or the request is no longer open)."""
    with transaction.atomic():
        req = (
            TrainingRequest.objects.select_for_update(of=("self",))
            .filter(pk=request_id, kind=RequestKind.AUDIT)
            .first()
        )
        if req is None:
            raise NotFound(f"training request {request_id} not found")
        current = getattr(getattr(req.requester, "profile", None), "manager_id", None)
        if actor is None or actor.pk != current or actor.pk != req.manager_id:
            raise PermissionDenied("Only the requester's manager may approve this request.", code="not_manager")
        if req.manager_decision != ManagerDecision.PENDING:
            raise Conflict(f"This request was already {req.get_manager_decision_display().lower()}.", code="decided")
        if req.status not in PRE_DELIVERY:
            raise Conflict("This request is no longer open.", code="closed")
        if not approve and not reason.strip():
            raise ValidationFailed("Say why you reject the request.", details={"field": "reason"})
        before = req.manager_decision
        req.manager_decision = ManagerDecision.APPROVED if approve else ManagerDecision.REJECTED
        req.manager_decided_at = clock.now()
        req.save(update_fields=["manager_decision", "manager_decided_at"])
        audit_record(
            verb="training.manager_approved" if approve else "training.manager_rejected",
            actor=actor,
            target=req,
            before={"manager_decision": before},
            after={"manager_decision": req.manager_decision, "via": via},
            reason=reason,
        )
    return req


def _before_save(req: Any, move: Any, source: str, target: str) -> dict[str, Any]:
    return {"state_changed_at": clock.now()}


def _after_cancel(applied: Applied, ctx: MoveContext) -> None:
    if applied.target != RequestStatus.CANCELLED:
        return
    req = applied.obj
    for reg in Registration.objects.holding().filter(request=req):
        _registration_release(reg, actor=ctx.actor, reason=f"request cancelled: {ctx.reason}", cascade=False)
    if req.kind == RequestKind.TRAINER:
        for s in req.sessions.filter(status=SessionStatus.SCHEDULED):
            if not s.registrations.holding().exists() and not s.requests.exclude(pk=req.pk).exists():
                Session.objects.filter(pk=s.pk).update(status=SessionStatus.CANCELLED)
                audit_record(verb="training.session_cancelled", actor=ctx.actor, target=s, reason=ctx.reason)


def request_transition(
    *,
    request_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
    data: dict[str, Any] | None = None,
    system: bool = False,
) -> Applied:
    """Apply one workflow move to a request (see workflow.py). Cancelling releases the request's
    seats (promoting the waitlist) and its now-empty sessions. Use `request_schedule` to schedule.

    Raises BadRequest (unknown action), NotFound, Conflict (stale) or TransitionNotAllowed."""
    if action == "schedule" and not system:
        raise ValidationFailed("Use the schedule form: it picks the session(s).", code="use_schedule")
    qs = TrainingRequest.objects.all() if system else TrainingRequest.objects.visible_to(actor)
    return transition_apply(
        workflow=REQUEST_WORKFLOW,
        queryset=qs,
        pk=request_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data=data,
        system=system,
        before_save=_before_save,
        after=[_after_cancel],
    )


# --- sessions -----------------------------------------------------------------------------------


def _check_instructor(consultant: Consultant, course: Sku, starts_at: datetime, ends_at: datetime) -> None:
    unqualified, busy = selectors.instructor_problems(
        consultant=consultant, course=course, starts_at=starts_at, ends_at=ends_at
    )
    if unqualified:
        raise ValidationFailed(
            " ".join(unqualified), code="instructor_not_certified", details={"field": "instructor_id"}
        )
    if busy:
        raise Conflict(" ".join(busy), code="instructor_busy", details={"field": "instructor_id"})


def session_create(
    *,
    actor: Actor,
    course: Sku | int,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    audience: str = SessionAudience.INTERNAL,
    delivery_mode: str = DeliveryMode.REMOTE,
    location: str = "",
    instructor: Consultant | None = None,
    capacity: int | None = None,
    account: Any = None,
    title: str = "",
    auto_instructor: bool = False,
) -> Session:
    """Create a session of a course. Capacity defaults to the course's class size (else 12).

    Raises PermissionDenied (not a coordinator), ValidationFailed (naive or past times, end before
    start, bad timezone, capacity over the class size, instructor not certified, onsite without
    location, customer-facing without a customer) or Conflict (instructor busy, or no free
    instructor when `auto_instructor`)."""
    permission_require(actor, PLAN_PERM)
    sku = _course(course)
    _tz(timezone)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("Session times need a timezone.", details={"field": "starts_at"})
    if starts_at <= clock.now():
        raise ValidationFailed(
            "The session would start in the past.", code="session_in_past", details={"field": "starts_at"}
        )
    if ends_at <= starts_at:
        raise ValidationFailed("The session ends before it starts.", details={"field": "ends_at"})
    size = selectors.class_size_of(sku)
    cap = size if capacity is None else capacity
    if not 1 <= cap <= size:
        raise ValidationFailed(f"Capacity is 1 to the class size ({size}).", details={"field": "capacity"})
    if audience not in SessionAudience.values:
        raise ValidationFailed("Audience is customer or internal.", details={"field": "audience"})
    if audience == SessionAudience.CUSTOMER and account is None:
        raise ValidationFailed("A customer-facing session names its customer.", details={"field": "account_id"})
    if delivery_mode not in DeliveryMode.values:
        raise ValidationFailed("Delivery mode is remote or onsite.", details={"field": "delivery_mode"})
    if delivery_mode == DeliveryMode.ONSITE and not location.strip():
        raise ValidationFailed("An onsite session needs a location.", details={"field": "location"})
    with transaction.atomic():
        if instructor is None and auto_instructor:
            # lock the course's trainers so two coordinators cannot pick the same one at once
            list(Consultant.objects.select_for_update(of=("self",)).filter(training_certifications__course=sku))
            free = selectors.instructors_free(course=sku, starts_at=starts_at, ends_at=ends_at)
            if not free:
                raise Conflict(
                    f"No certified trainer for {sku.name} is free then.",
                    code="no_free_instructor",
                    details={"field": "instructor_id"},
                )
            instructor = free[0]
        elif instructor is not None:
            # lock the instructor so two sessions cannot book them at once
            Consultant.objects.select_for_update(of=("self",)).filter(pk=instructor.pk).first()
            _check_instructor(instructor, sku, starts_at, ends_at)
        s = Session.objects.create(
            course=sku,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            delivery_mode=delivery_mode,
            location=location.strip(),
            instructor=instructor,
            capacity=cap,
            audience=audience,
            account=account,
            created_by=actor,
        )
        audit_record(
            verb="training.session_created",
            actor=actor,
            target=s,
            after={
                "course": sku.code,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "timezone": timezone,
                "instructor": instructor.pk if instructor else None,
                "capacity": cap,
                "audience": audience,
            },
        )
    return s


def session_deliver(*, session_id: int, actor: Actor, attended_user_ids: Sequence[int] | None = None) -> Session:
    """Mark a session delivered after it ended and record attendance of confirmed attendees
    (all of them when `attended_user_ids` is None). Unlocks the roster export.

    Raises PermissionDenied, NotFound, Conflict (not ended yet, cancelled, already delivered)."""
    permission_require(actor, PLAN_PERM)
    with transaction.atomic():
        s = Session.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=session_id).first()
        if s is None:
            raise NotFound(f"session {session_id} not found")
        if s.status != SessionStatus.SCHEDULED:
            raise Conflict(f"The session is {s.get_status_display().lower()}.", code="session_not_scheduled")
        if s.ends_at > clock.now():
            raise Conflict("The session has not ended yet.", code="session_not_ended")
        confirmed = s.registrations.filter(status=RegistrationStatus.CONFIRMED)
        attended = (
            set(confirmed.values_list("user_id", flat=True)) if attended_user_ids is None else set(attended_user_ids)
        )
        for reg in confirmed:
            reg.attended = reg.user_id in attended
            reg.save(update_fields=["attended"])
        s.status = SessionStatus.DELIVERED
        s.delivered_at = clock.now()
        s.save(update_fields=["status", "delivered_at"])
        audit_record(
            verb="training.session_delivered",
            actor=actor,
            target=s,
            after={"attended": sorted(attended & set(confirmed.values_list("user_id", flat=True)))},
        )
    return s


# --- registrations ------------------------------------------------------------------------------


def _send_link(reg: Registration, actor: Actor | None) -> None:
    """The registration link, with the session's .ics invite attached to the email."""
    import base64

    from psdesk.training.ics import registration_ics

    s = reg.session
    local = s.starts_at.astimezone(ZoneInfo(s.timezone))
    invite = base64.b64encode(registration_ics(reg)).decode()
    notify(
        event="training.registration_link",
        target=reg,
        actor=actor,
        recipients=[reg.user],
        account=s.account,
        context={"session": str(s), "starts": f"{local:%Y-%m-%d %H:%M} {s.timezone}"},
        attachments=[{"filename": "session.ics", "mimetype": "text/calendar", "content_b64": invite}],
    )
    Registration.objects.filter(pk=reg.pk).update(link_sent_at=clock.now())


def registration_create(
    *, session_id: int, user: Actor, actor: Actor, request: TrainingRequest | None = None, send_link: bool = True
) -> Registration:
    """Register `user` in a session: a confirmed seat while seats are left, else a waitlist place
    (a full session is not an error). A confirmed attendee gets their registration link.

    Who: a coordinator registers anyone; a person registers themself to an internal session
    (customer-facing ones need an audit request, passed as `request` by `request_schedule`).
    Raises NotFound, PermissionDenied, ValidationFailed (session started/cancelled), Conflict
    (already registered)."""
    with transaction.atomic():
        s = Session.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=session_id).first()
        if s is None:
            raise NotFound(f"session {session_id} not found")
        if request is None and not actor.has_perm(PLAN_PERM):
            if actor.pk != user.pk or not actor.has_perm("training.add_registration"):
                raise PermissionDenied("You may register only yourself.")
            if s.audience == SessionAudience.CUSTOMER:
                raise ValidationFailed(
                    "Customer-facing sessions need an audit request approved by your manager.",
                    code="needs_audit_request",
                )
        if s.status != SessionStatus.SCHEDULED or s.starts_at <= clock.now():
            raise ValidationFailed("That session is over or cancelled.", code="session_closed")
        if Registration.objects.holding().filter(session=s, user=user).exists():
            raise Conflict(f"{user.get_username()} is already registered for this session.", code="already_registered")
        took = Session.objects.filter(pk=s.pk, seats_taken__lt=F("capacity")).update(seats_taken=F("seats_taken") + 1)
        status = RegistrationStatus.CONFIRMED if took else RegistrationStatus.WAITLISTED
        try:
            with transaction.atomic():
                reg = Registration.objects.create(session=s, user=user, request=request, status=status)
        except IntegrityError:
            raise Conflict(
                f"{user.get_username()} is already registered for this session.", code="already_registered"
            ) from None
        audit_record(
            verb="training.registered",
            actor=actor,
            target=reg,
            after={"session": s.pk, "user": user.get_username(), "status": status},
        )
        if status == RegistrationStatus.CONFIRMED and send_link:
            _send_link(reg, actor)
    return reg


def _registration_release(
    reg: Registration, *, actor: Actor | None, reason: str, cascade: bool = True
) -> Registration | None:
    """Cancel a live registration (row already chosen, inside a transaction): free its seat, or
    hand it to the first on the waitlist. Returns the promoted registration, if any."""
    was = reg.status
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = clock.now()
    reg.save(update_fields=["status", "cancelled_at"])
    audit_record(
        verb="training.registration_cancelled",
        actor=actor,
        target=reg,
        before={"status": was},
        after={"status": reg.status},
        reason=reason,
    )
    promoted = None
    if was == RegistrationStatus.CONFIRMED:
        nxt = (
            Registration.objects.select_for_update(of=("self",))
            .filter(session_id=reg.session_id, status=RegistrationStatus.WAITLISTED)
            .order_by("created_at", "id")
            .first()
        )
        if nxt is None:
            Session.objects.filter(pk=reg.session_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)
        else:
            nxt.status = RegistrationStatus.CONFIRMED
            nxt.save(update_fields=["status"])
            audit_record(
                verb="training.registration_promoted",
                actor=None,
                target=nxt,
                before={"status": RegistrationStatus.WAITLISTED},
                after={"status": RegistrationStatus.CONFIRMED},
            )
            promoted = nxt
            _send_link(nxt, None)
            preq = nxt.request
            if preq is not None and preq.status == RequestStatus.PLANNING:
                transition_apply(
                    workflow=REQUEST_WORKFLOW,
                    queryset=TrainingRequest.objects.all(),
                    pk=preq.pk,
                    action="schedule",
                    actor=None,
                    reason="a seat freed up (promoted from the waitlist)",
                    data={
                        "earliest_start": nxt.session.starts_at,
                        "lead_days": selectors.policy_get().registration_lead_days,
                    },
                    system=True,
                    before_save=_before_save,
                )
                preq.sessions.add(nxt.session)
    req = reg.request
    if cascade and req is not None and req.kind == RequestKind.AUDIT and req.status in PRE_DELIVERY:
        transition_apply(
            workflow=REQUEST_WORKFLOW,
            queryset=TrainingRequest.objects.all(),
            pk=req.pk,
            action="cancel",
            actor=actor,
            reason=reason or "the attendee cancelled their registration",
            system=True,
            before_save=_before_save,
        )
    return promoted


def registration_cancel(
    *, registration_id: int, actor: Actor, reason: str = "", via_link: bool = False
) -> Registration:
    """Cancel a registration: by the attendee (signed link or app) or a coordinator. Frees the seat
    for the first on the waitlist; an attendee cancelling an audit request's seat cancels the request.

    Raises NotFound, PermissionDenied, Conflict (already cancelled), ValidationFailed (session started)."""
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session", "user")
            .filter(pk=registration_id)
            .first()
        )
        if reg is None:
            raise NotFound(f"registration {registration_id} not found")
        if not via_link and actor.pk != reg.user_id and not actor.has_perm(PLAN_PERM):
            raise PermissionDenied("Only the attendee or a coordinator may cancel this registration.")
        if reg.status == RegistrationStatus.CANCELLED:
            raise Conflict("This registration is already cancelled.", code="already_cancelled")
        if reg.session.starts_at <= clock.now():
            raise ValidationFailed("The session has started; it can no longer be cancelled.", code="session_started")
        Session.objects.select_for_update(of=("self",)).filter(pk=reg.session_id).first()
        _registration_release(reg, actor=actor if not via_link else reg.user, reason=reason)
    reg.refresh_from_db()
    return reg


# --- scheduling ---------------------------------------------------------------------------------


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
    s = _customer_session(actor, sid, field="session_id")
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
    _send_link(reg, actor)
    notify(
        event="training.scheduled",
        target=req,
        actor=actor,
        recipients=[req.requester],
        account=s.account,
        context={"session": str(s)},
    )
    return ScheduleResult(request=applied.obj, sessions=[s], registrations=[reg])


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
    sessions: list[Session] = []
    for i, plan in enumerate(plans):
        if plan.session_id is not None:
            s = Session.objects.visible_to(actor).filter(pk=plan.session_id).first()
            if s is None:
                raise NotFound(f"session {plan.session_id} not found")
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
            sessions.append(s)
            continue
        if plan.course_id not in wanted:
            raise ValidationFailed(
                "Each planned session teaches one of the requested courses.", details={"field": f"plans[{i}].course_id"}
            )
        if plan.starts_at is None or plan.ends_at is None:
            raise ValidationFailed(
                "A new session needs a start and an end.", details={"field": f"plans[{i}].starts_at"}
            )
        instructor = None
        if plan.instructor_id is not None:
            instructor = Consultant.objects.filter(pk=plan.instructor_id).first()
            if instructor is None:
                raise ValidationFailed(
                    f"No consultant {plan.instructor_id}.", details={"field": f"plans[{i}].instructor_id"}
                )
        sessions.append(
            session_create(
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
        )
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
    earliest = min(s.starts_at for s in sessions)
    applied = _apply_schedule(
        req, actor=actor, reason=reason, expected_version=expected_version, earliest=earliest, lead_days=lead_days
    )
    req.sessions.add(*sessions)
    regs: list[Registration] = []
    attendees = list(req.attendees.all().order_by("id"))
    for cid in wanted:
        course_sessions = [s for s in sessions if s.course_id == cid]
        for person in attendees:
            target = next(
                (s for s in course_sessions if Session.objects.get(pk=s.pk).seats_left > 0), course_sessions[0]
            )
            regs.append(registration_create(session_id=target.pk, user=person, actor=actor, request=req))
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
