"""Training reads: the policy, requests and sessions a user may see, the requestor checklist,
instructor availability, the month calendar and the attendance roster."""

from __future__ import annotations

import calendar as pycal
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.catalog.choices import SkuCategory
from psdesk.catalog.models import Sku
from psdesk.core.calendar import BusinessCalendar, CalendarError
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.scheduling.choices import ConsultantRole
from psdesk.scheduling.models import Allocation, Consultant, TimeOff
from psdesk.training import checklist
from psdesk.training.choices import RegistrationStatus, RequestKind, RequestStatus, SessionAudience
from psdesk.training.models import Registration, Session, TrainerCertification, TrainingPolicy, TrainingRequest


def policy_get() -> TrainingPolicy:
    """The training policy row (created with its defaults when absent)."""
    policy, _ = TrainingPolicy.objects.get_or_create(id=1)
    return policy


def courses() -> Any:
    """Courses: the active Education SKUs of the catalog."""
    return Sku.objects.filter(category=SkuCategory.EDUCATION, active=True).order_by("name")


def course_get(course: Sku | int) -> Sku:
    """An active Education course of the catalog (a SKU or its id); ValidationFailed otherwise."""
    sku = course if isinstance(course, Sku) else Sku.objects.filter(pk=course).first()
    if sku is None or sku.category != SkuCategory.EDUCATION or not sku.active:
        raise ValidationFailed("Choose an active Education course from the catalog.", details={"field": "courses"})
    return sku


def class_size_of(course: Sku, policy: TrainingPolicy | None = None) -> int:
    """Seats per session of a course: the SKU's class size, else the policy default (12)."""
    return int(course.class_size or (policy or policy_get()).default_class_size)


def request_tasks(req: TrainingRequest, *, policy: TrainingPolicy | None = None) -> list[checklist.Task]:
    """The requestor checklist of a request, computed from its data (`policy` read once for a list)."""
    course_list = list(req.courses.all()) if req.pk else []
    if req.kind == RequestKind.AUDIT:
        return checklist.audit_tasks(
            has_course=bool(course_list),
            has_session_or_dates=bool(req.desired_session_id or (req.preferred_start and req.preferred_end)),
            manager_decision=req.manager_decision,
        )
    policy = policy or policy_get()
    return checklist.trainer_tasks(
        team=req.team,
        cost_centre=req.cost_centre,
        course_class_sizes=[class_size_of(c, policy) for c in course_list],
        audience_size=req.audience_size,
        split_sessions=req.split_sessions,
        has_dates=bool(req.preferred_start),
        timezone=req.timezone,
        delivery_mode=req.delivery_mode,
        location=req.location,
        justification=req.justification,
    )


def request_list(*, user: Actor, mine: bool = False, status: str = "") -> Any:
    qs = TrainingRequest.objects.visible_to(user).select_related("requester", "manager", "desired_session")
    if mine:
        qs = qs.filter(requester=user)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("courses", "sessions")


def request_get(*, user: Actor, request_id: int, for_update: bool = False) -> TrainingRequest:
    """A request the user may see; NotFound otherwise (also for PubSec ones a non-member may not see)."""
    qs = TrainingRequest.objects.visible_to(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    req = qs.filter(pk=request_id).first()
    if req is None:
        raise NotFound(f"training request {request_id} not found")
    return req


def approvals_waiting(*, user: Actor) -> Any:
    """Audit requests waiting for `user`'s decision as the requester's manager."""
    return TrainingRequest.objects.filter(manager=user, manager_decision="pending").select_related("requester")


def session_list(*, user: Actor, start: datetime | None = None, end: datetime | None = None) -> Any:
    qs = Session.objects.visible_to(user).select_related("course", "instructor", "account")
    if start is not None:
        qs = qs.filter(ends_at__gt=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return qs


def session_get(*, user: Actor, session_id: int) -> Session:
    s = session_list(user=user).filter(pk=session_id).first()
    if s is None:
        raise NotFound(f"session {session_id} not found")
    return s


def customer_session_get(*, user: Actor, session_id: int, field: str) -> Session:
    """A customer-facing session the user may see. Raises NotFound (absent or hidden) or
    ValidationFailed on `field` (internal-only: audit requests are for customer-facing sessions)."""
    session = Session.objects.visible_to(user).filter(pk=session_id).first()
    if session is None:
        raise NotFound(f"session {session_id} not found")
    if session.audience != SessionAudience.CUSTOMER:
        raise ValidationFailed(
            "That session is internal-only; audit requests are for customer-facing sessions.",
            code="internal_only_session",
            details={"field": field},
        )
    return session


def roster(session: Session) -> list[Registration]:
    """Live and cancelled registrations, confirmed first, then the waitlist in order."""
    rank = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1, RegistrationStatus.CANCELLED: 2}
    regs = list(session.registrations.select_related("user", "request").order_by("created_at", "id"))
    return sorted(regs, key=lambda r: rank[RegistrationStatus(r.status)])


def waitlist_position(reg: Registration) -> int | None:
    if reg.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(session_id=reg.session_id, status=RegistrationStatus.WAITLISTED).filter(
        Q(created_at__lt=reg.created_at) | Q(created_at=reg.created_at, id__lt=reg.id)
    )
    return ahead.count() + 1


def roster_csv(session: Session) -> str:
    """The attendance roster (close-out report) as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["session", "course", "starts_at", "username", "name", "email", "status", "attended", "request"])
    for r in roster(session):
        w.writerow(
            [
                session.pk,
                session.course.code,
                session.starts_at.isoformat(),
                r.user.username,
                r.user.get_full_name(),
                r.user.email,
                r.status,
                "" if r.attended is None else ("yes" if r.attended else "no"),
                r.request_id or "",
            ]
        )
    return buf.getvalue()


# --- instructors --------------------------------------------------------------------------------


def _local_days(starts_at: datetime, ends_at: datetime, tz: str) -> list[date]:
    zone = ZoneInfo(tz)
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def instructor_problems(
    *,
    consultant: Consultant,
    course: Sku,
    starts_at: datetime,
    ends_at: datetime,
    exclude_session_id: int | None = None,
) -> tuple[list[str], list[str]]:
    """(qualification problems, availability conflicts) of `consultant` teaching `course` then.

    Qualification: an active consultant with the Trainer role certified for the course.
    Availability: time off, public holidays and weekends on their own calendar, another session
    that overlaps, and hard delivery allocations from the queue that fill their weekly capacity."""
    unqualified: list[str] = []
    busy: list[str] = []
    if consultant.role != ConsultantRole.TRAINER or not consultant.active:
        unqualified.append(f"{consultant.name} is not an active trainer.")
    if not TrainerCertification.objects.filter(consultant=consultant, course=course).exists():
        unqualified.append(f"{consultant.name} is not certified for {course.name}.")
    days = _local_days(starts_at, ends_at, consultant.timezone or "UTC")
    off = TimeOff.objects.filter(consultant=consultant, starts_on__lte=days[-1], ends_on__gte=days[0]).first()
    if off is not None:
        busy.append(f"{consultant.name} is on time off {off.starts_on} to {off.ends_on}.")
    try:
        cal = BusinessCalendar.build(
            country=consultant.holiday_country, subdivision=consultant.holiday_subdivision, timezone=consultant.timezone
        )
        non_working = [d for d in days if not cal.is_business_day(d)]
    except CalendarError:
        non_working = []
    if non_working:
        busy.append(f"{consultant.name} does not work on {non_working[0]:%a %Y-%m-%d} (holiday or weekend).")
    other = (
        Session.objects.active()
        .filter(instructor=consultant)
        .overlapping(starts_at, ends_at)
        .exclude(pk=exclude_session_id or 0)
        .first()
    )
    if other is not None:
        busy.append(f"{consultant.name} already teaches {other} at that time.")
    booked = Allocation.objects.filter(
        consultant=consultant, kind="hard", starts_on__lte=days[-1], ends_on__gte=days[0]
    ).aggregate(h=Sum("weekly_hours"))["h"]
    if booked is not None and booked >= consultant.weekly_capacity_hours:
        busy.append(f"{consultant.name} is fully booked on delivery work then.")
    return unqualified, busy


def instructors_free(*, course: Sku, starts_at: datetime, ends_at: datetime) -> list[Consultant]:
    """Certified trainers free for the whole session, by name."""
    certified = Consultant.objects.filter(
        active=True, role=ConsultantRole.TRAINER, training_certifications__course=course
    ).order_by("name", "id")
    return [
        c
        for c in certified
        if instructor_problems(consultant=c, course=course, starts_at=starts_at, ends_at=ends_at) == ([], [])
    ]


# --- calendar -----------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date | None
    sessions: list[Session]


def month_grid(*, user: Actor, year: int, month: int, tz: str = "UTC") -> list[list[CalendarDay]]:
    """Weeks (Mon-Sun) of `month` with the sessions starting on each day in `tz`."""
    zone = ZoneInfo(tz)
    first = datetime(year, month, 1, tzinfo=zone)
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    by_day: dict[date, list[Session]] = {}
    for s in session_list(user=user, start=first, end=nxt).active():
        by_day.setdefault(s.starts_at.astimezone(zone).date(), []).append(s)
    return [
        [CalendarDay(d if d.month == month else None, by_day.get(d, []) if d.month == month else []) for d in week]
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]


# --- My work providers (registered from TrainingConfig.ready) ----------------------------------


def _request_item(req: TrainingRequest, since: datetime) -> WorkItem:
    who = req.requester.get_full_name() or req.requester.username
    what = req.team or req.get_kind_display()
    return WorkItem(title=f"{req} — {what}", url=req.get_absolute_url(), since=since, note=f"from {who}")


def my_work_training_to_plan(user: Actor) -> WorkGroup | None:
    """Education coordinator: requests whose requestor tasks are complete (or in planning), longest
    waiting first (two queries)."""
    if not user.has_perm("training.plan_training"):
        return None
    qs = TrainingRequest.objects.visible_to(user).filter(
        status__in=[RequestStatus.TASKS_COMPLETE, RequestStatus.PLANNING]
    )
    reqs = list(qs.select_related("requester").order_by("state_changed_at", "id")[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="training_to_plan",
        title="Training requests to plan",
        count=qs.count(),
        items=[_request_item(r, r.state_changed_at) for r in reqs],
        more_url=reverse("training:planning"),
        empty_text="No training request is ready to plan.",
    )


def my_work_training_approvals(user: Actor) -> WorkGroup | None:
    """A manager: audit requests waiting for their decision; shown only when there are some
    (two queries)."""
    qs = approvals_waiting(user=user)
    count = qs.count()
    if not count:
        return None
    reqs = list(qs.order_by("created_at", "id")[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="training_approvals",
        title="Training audit requests to approve (as manager)",
        count=count,
        items=[_request_item(r, r.created_at) for r in reqs],
    )
