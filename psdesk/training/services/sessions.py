"""Session writes: create a session of a course (with a free certified instructor when asked) and
mark it delivered with attendance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.scheduling.models import Consultant
from psdesk.training import selectors
from psdesk.training.choices import (
    DeliveryMode,
    RegistrationStatus,
    SessionAudience,
    SessionStatus,
)
from psdesk.training.models import Session
from psdesk.training.querysets import PLAN_PERM
from psdesk.training.services._shared import timezone_checked


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
    sku = selectors.course_get(course)
    timezone_checked(timezone)
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
