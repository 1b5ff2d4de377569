"""Education Services (docs/process.md, Training): courses are Education SKUs of the catalog; sessions of a course
with an instructor and seats; internal training requests (trainer / audit) with their requestor
tasks; per-attendee registrations; the training policy; trainer certifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.crm.models import Account
from psdesk.scheduling.models import Consultant
from psdesk.training.choices import (
    DeliveryMode,
    ManagerDecision,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    SessionAudience,
    SessionStatus,
)
from psdesk.training.links import registration_link_path
from psdesk.training.querysets import RegistrationQuerySet, SessionQuerySet, TrainingRequestQuerySet


class TrainingPolicy(models.Model):
    """Single-row policy (id=1), editable in admin: how far ahead registration links must go out
    and the class size used when a course SKU has none."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    registration_lead_days = models.PositiveSmallIntegerField(
        default=14, help_text="Registration links go out at least this many days before the session"
    )
    default_class_size = models.PositiveSmallIntegerField(default=12)

    class Meta:
        verbose_name_plural = "training policy"

    def __str__(self) -> str:
        return "training policy"


class TrainerCertification(models.Model):
    """A trainer (a consultant with the Trainer role) certified to deliver a course."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="training_certifications")
    course = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="trainer_certifications")
    certified_on = models.DateField(default=clock.today)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultant", "course"], name="certification_once")]

    def __str__(self) -> str:
        return f"{self.consultant.name} certified for {self.course.code}"


class Session(models.Model):
    """One delivery of a course. Times are stored in UTC and shown in `timezone`. `seats_taken`
    counts confirmed registrations and only changes through a compare-and-set in the services,
    so it never exceeds `capacity` even under concurrent registrations."""

    course = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="training_sessions")
    title = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    delivery_mode = models.CharField(max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.REMOTE)
    location = models.CharField(max_length=200, blank=True, help_text="Address (onsite) or meeting link (remote)")
    instructor = models.ForeignKey(
        Consultant, null=True, blank=True, on_delete=models.PROTECT, related_name="training_sessions"
    )
    capacity = models.PositiveSmallIntegerField(default=12)
    seats_taken = models.PositiveSmallIntegerField(default=0)
    audience = models.CharField(max_length=8, choices=SessionAudience.choices, default=SessionAudience.INTERNAL)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        help_text="The customer of a customer-facing session",
    )
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        permissions = [("plan_training", "Plan and schedule training, manage sessions and rosters")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ordered"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")), name="session_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.course.name} {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("training:session", args=[self.pk])

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


class TrainingRequest(models.Model):
    """An internal training request. A *trainer* request comes from a
    team lead for their team; an *audit* request from an individual who wants to attend a
    customer-facing session and needs their manager's approval. `status` moves only through
    `psdesk.training.services.request_transition` (workflow in workflow.py)."""

    kind = models.CharField(max_length=8, choices=RequestKind.choices)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    version = models.PositiveIntegerField(default=0)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_requests")
    courses = models.ManyToManyField(Sku, related_name="training_requests")
    # trainer request
    team = models.CharField(max_length=120, blank=True)
    cost_centre = models.CharField(max_length=40, blank=True)
    audience_size = models.PositiveSmallIntegerField(default=1)
    split_sessions = models.BooleanField(default=False, help_text="Allow several sessions when over class size")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    justification = models.TextField(blank=True)
    # both
    preferred_start = models.DateField(null=True, blank=True)
    preferred_end = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    delivery_mode = models.CharField(max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.REMOTE)
    location = models.CharField(max_length=200, blank=True)
    # audit request
    desired_session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_requests"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_decision = models.CharField(
        max_length=12, choices=ManagerDecision.choices, default=ManagerDecision.NOT_NEEDED
    )
    manager_decided_at = models.DateTimeField(null=True, blank=True)
    # scheduling
    sessions = models.ManyToManyField(Session, blank=True, related_name="requests")
    late_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    state_changed_at = models.DateTimeField(default=clock.now)

    objects = TrainingRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(audience_size__gte=1), name="audience_positive"),
            models.CheckConstraint(
                condition=models.Q(preferred_end__isnull=True)
                | models.Q(preferred_start__isnull=True)
                | models.Q(preferred_end__gte=models.F("preferred_start")),
                name="preferred_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Training request #{self.pk} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("training:request", args=[self.pk])


class Registration(models.Model):
    """One attendee in one session: confirmed (holds a seat) or waitlisted (in `created_at` order).
    At most one live registration per (session, user); a cancelled one may be followed by a new one.
    The attendee reaches it through a signed link (`psdesk.training.links`)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_registrations")
    request = models.ForeignKey(
        TrainingRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices)
    attended = models.BooleanField(null=True, blank=True)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=models.Q(status__in=["confirmed", "waitlisted"]),
                name="one_live_registration_per_attendee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session} ({self.status})"

    def get_absolute_url(self) -> str:
        return registration_link_path(self)
