"""Business calendars, SLA policies and the timers they start.

Timers are generic over a target (content type + id) so the SLA app sits low in the layering; the
board starts and stops them from its after-move hook. Timers warn and report; they never block.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from psdesk.core import clock
from psdesk.core.calendar import BusinessCalendar, CalendarError
from psdesk.sla.choices import DurationUnit, TimerOutcome, TimerState, TimerStatus


class Calendar(models.Model):
    """A business calendar: public holidays of `country`/`subdivision` (the `holidays` package),
    company closures (`Closure` rows), a timezone and the working window. Editable in admin."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US, DE")
    subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. NY, BY")
    timezone = models.CharField(max_length=64, default="UTC")
    work_start = models.TimeField(default=time(9, 0))
    work_end = models.TimeField(default=time(17, 0))
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            BusinessCalendar.build(
                country=self.country,
                subdivision=self.subdivision,
                timezone=self.timezone,
                work_start=self.work_start,
                work_end=self.work_end,
            )
        except CalendarError as exc:
            raise ValidationError(str(exc)) from None

    def business_calendar(self) -> BusinessCalendar:
        """The pure calendar with this calendar's closures (one query)."""
        return BusinessCalendar.build(
            country=self.country,
            subdivision=self.subdivision,
            timezone=self.timezone,
            closures=self.closures.values_list("day", flat=True),
            work_start=self.work_start,
            work_end=self.work_end,
        )


class Closure(models.Model):
    """A company closure day (shutdown, offsite) on one calendar: not a business day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="closure_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.name}".strip()


class SlaPolicy(models.Model):
    """A timer definition: started by `start_event`, stopped by `stop_event`, due `duration` of
    business time (`unit`) later on `calendar`; at risk once `warn_at_percent` of it has elapsed.

    Event names: `engagements.created`, `board.enter:<state>`, `board.leave:<state>`, and events
    other apps emit through `psdesk.sla.services.sla_event` (e.g. `sows.draft_shared`)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    start_event = models.CharField(max_length=100, db_index=True)
    stop_event = models.CharField(max_length=200, help_text="one or more event names, separated by spaces")
    duration = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=20, choices=DurationUnit.choices, default=DurationUnit.BUSINESS_DAYS)
    calendar = models.ForeignKey(Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies")
    warn_at_percent = models.PositiveSmallIntegerField(default=75)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(duration__gt=0), name="sla_policy_duration_positive"),
            models.CheckConstraint(
                condition=models.Q(warn_at_percent__gte=1, warn_at_percent__lte=100), name="sla_policy_warn_at_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.duration is not None and self.duration <= 0:
            raise ValidationError({"duration": "The duration must be positive."})
        if not 1 <= (self.warn_at_percent or 0) <= 100:
            raise ValidationError({"warn_at_percent": "Warn at a percentage between 1 and 100."})

    def stops_on(self, event: str) -> bool:
        return event in self.stop_event.split()

    def span(self) -> timedelta:
        """The duration as business time (business days count 24 hours)."""
        hours = Decimal(self.duration) * (24 if self.unit == DurationUnit.BUSINESS_DAYS else 1)
        return timedelta(seconds=int(hours * 3600))


class SlaTimerQuerySet(models.QuerySet["SlaTimer"]):
    def active(self) -> SlaTimerQuerySet:
        return self.exclude(state=TimerState.STOPPED)

    def for_target(self, target: models.Model) -> SlaTimerQuerySet:
        ct = ContentType.objects.get_for_model(type(target))
        return self.filter(target_type=ct, target_id=target.pk)


class SlaTimer(models.Model):
    """One running (or finished) timer of a policy on a target.

    `due_at`/`warn_at` are absolute instants computed on the calendar when the timer starts or
    resumes, so the sweep is a set-based UPDATE on indexed columns. While paused, the business time
    left is kept in `remaining_seconds` and `due_at` is meaningless. Written only by
    psdesk.sla.services."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="timers")
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="overrides the policy's calendar for this timer (e.g. the delivery region's)",
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField()
    state = models.CharField(max_length=10, choices=TimerState.choices, default=TimerState.RUNNING)
    status = models.CharField(max_length=10, choices=TimerStatus.choices, default=TimerStatus.OK)
    outcome = models.CharField(max_length=10, choices=TimerOutcome.choices, default=TimerOutcome.NONE, blank=True)
    started_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    sweep_token = models.CharField(max_length=32, blank=True, db_index=True)

    objects = SlaTimerQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["state", "status", "due_at"]),
            models.Index(fields=["state", "status", "warn_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "target_type", "target_id"],
                condition=~models.Q(state="stopped"),
                name="one_active_timer_per_policy_and_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} on {self.target_type.model} {self.target_id}"
