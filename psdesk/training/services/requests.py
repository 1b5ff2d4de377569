"""Training request writes: trainer and audit requests, the manager's approval of an audit
request, and workflow moves (cancelling releases seats and now-empty sessions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.notifications.services import notify
from psdesk.training import selectors
from psdesk.training.checklist import sessions_needed
from psdesk.training.choices import (
    PRE_DELIVERY,
    DeliveryMode,
    ManagerDecision,
    RequestKind,
    RequestStatus,
    SessionStatus,
)
from psdesk.training.links import approval_link_path
from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.services._shared import preferred_dates_check, state_changed_stamp, timezone_checked
from psdesk.training.services.registrations import registration_release
from psdesk.training.workflow import REQUEST_WORKFLOW


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
    skus = [selectors.course_get(c) for c in courses]
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
    preferred_dates_check(preferred_start, preferred_end)
    timezone_checked(timezone)
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
    sku = selectors.course_get(course)
    session = None
    if desired_session_id is not None:
        session = selectors.customer_session_get(
            user=requester, session_id=desired_session_id, field="desired_session_id"
        )
        if session.course_id != sku.pk:
            raise ValidationFailed("That session teaches another course.", details={"field": "desired_session_id"})
        if session.status != SessionStatus.SCHEDULED or session.starts_at <= clock.now():
            raise ValidationFailed("That session is over or cancelled.", details={"field": "desired_session_id"})
    elif not (preferred_start and preferred_end):
        raise ValidationFailed("Choose a session or a date range.", details={"field": "desired_session_id"})
    preferred_dates_check(preferred_start, preferred_end)
    timezone_checked(timezone)
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


def _after_cancel(applied: Applied, ctx: MoveContext) -> None:
    if applied.target != RequestStatus.CANCELLED:
        return
    req = applied.obj
    for reg in Registration.objects.holding().filter(request=req):
        registration_release(
            registration=reg, actor=ctx.actor, reason=f"request cancelled: {ctx.reason}", cascade=False
        )
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
        before_save=state_changed_stamp,
        after=[_after_cancel],
    )
