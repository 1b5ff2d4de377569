"""Registration writes: a confirmed seat or a waitlist place, cancelling (the first on the
waitlist takes the freed seat) and the registration link with its .ics invite.

Seats are taken with a compare-and-set on `Session.seats_taken` (`seats_taken < capacity`), so two
last-seat registrations at once give one seat and one waitlist place on every database."""

from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import transition_apply
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.types import Actor
from psdesk.notifications.services import notify
from psdesk.training import selectors
from psdesk.training.choices import (
    PRE_DELIVERY,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    SessionAudience,
    SessionStatus,
)
from psdesk.training.ics import registration_ics
from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.querysets import PLAN_PERM
from psdesk.training.services._shared import state_changed_stamp
from psdesk.training.workflow import REQUEST_WORKFLOW


def registration_link_send(*, registration: Registration, actor: Actor | None) -> None:
    """Send the attendee their registration link, with the session's .ics invite attached to the
    email (through the outbox), and stamp `link_sent_at`."""
    reg = registration
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
            registration_link_send(registration=reg, actor=actor)
    return reg


def registration_release(
    *, registration: Registration, actor: Actor | None, reason: str, cascade: bool = True
) -> Registration | None:
    """Cancel a live registration (row already chosen, inside a transaction): free its seat, or
    hand it to the first on the waitlist (who gets their link; a promoted audit request in
    planning moves to scheduled). With `cascade`, cancelling an audit request's seat cancels the
    request too. Returns the promoted registration, if any."""
    reg = registration
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
            registration_link_send(registration=nxt, actor=None)
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
                    before_save=state_changed_stamp,
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
            before_save=state_changed_stamp,
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
        registration_release(registration=reg, actor=actor if not via_link else reg.user, reason=reason)
    reg.refresh_from_db()
    return reg
