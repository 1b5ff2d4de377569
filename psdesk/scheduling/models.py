"""Consultants and their capacity, the delivery queue (scheduling's own demand model), staffing
allocations, the forecast policy, and the cached forecast run.

Scheduling owns its demand: a `QueueEntry` says who the project is for, whether it is committed
(closed won) or tentative (stage 5+ pipeline), and its role-hours (`DemandLine`). Until the estimates
app feeds agreed estimates, role-hours are given on entry (API, CLI, admin or CSV).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from psdesk.core import clock
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.scheduling.choices import (
    AllocationKind,
    ConsultantRole,
    DeliveryMode,
    DemandKind,
    QueueStatus,
    Region,
    ServiceType,
    TimeOffStatus,
)
from psdesk.scheduling.querysets import QueueEntryQuerySet


class Skill(models.Model):
    """A skill a project may require and a consultant may hold at a level 1-5 (e.g. `geo`)."""

    name = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Consultant(models.Model):
    """A delivery person. Weekly capacity x utilisation target, less holidays and time off, is what
    the forecast may plan on. `us_citizen` and `cleared` together make them eligible for PubSec."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultant"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=ConsultantRole.choices)
    region = models.CharField(max_length=8, choices=Region.choices, default=Region.AMER)
    timezone = models.CharField(max_length=64, default="America/New_York")
    holiday_country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    weekly_capacity_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("40"), validators=[MinValueValidator(Decimal("0"))]
    )
    utilisation_target = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.70"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    us_citizen = models.BooleanField(default=False)
    cleared = models.BooleanField(default=False, help_text="holds the US clearance PubSec work needs")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        permissions = [
            ("view_clearance", "See consultants' clearance and citizenship"),
            ("view_cost_rate", "See consultants' cost rates"),
            ("request_timeoff", "Request one's own time off"),
            ("decide_timeoff", "Approve or refuse consultants' time off"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekly_capacity_hours__gte=0), name="capacity_not_negative"),
            models.CheckConstraint(
                condition=models.Q(utilisation_target__gte=0, utilisation_target__lte=1), name="utilisation_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:consultant", args=[self.pk])

    @property
    def pubsec_eligible(self) -> bool:
        return self.us_citizen and self.cleared


class ConsultantSkill(models.Model):
    """A consultant's level (1 basic … 5 expert) in one skill of the catalogue."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultant", "skill"], name="skill_once_per_consultant"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="skill_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.skill.name} {self.level}"


class ConsultantCostRate(models.Model):
    """A consultant's own hourly cost rate from `effective_from` until a later row replaces it.
    Without a row the role's standard cost rate (catalog) applies."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="cost_rates")
    effective_from = models.DateField()
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["consultant", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["consultant", "effective_from"], name="cost_rate_once_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="cost_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}/h from {self.effective_from}"


class TimeOff(models.Model):
    """Days a consultant is away. Only approved time off leaves capacity in the forecast; a
    consultant's own request waits for the Project Coordinator (`time_off_decide`)."""

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="time_off")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=TimeOffStatus.choices, default=TimeOffStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="time_off_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.consultant.name}: {self.starts_on} to {self.ends_on} ({self.status})"


class ForecastPolicy(models.Model):
    """Singleton (id=1) of forecast thresholds, editable in admin; seeded with the defaults."""

    horizon_weeks = models.PositiveSmallIntegerField(
        default=104, validators=[MinValueValidator(4), MaxValueValidator(520)]
    )
    samples = models.PositiveSmallIntegerField(default=200, validators=[MinValueValidator(200)])
    seed = models.PositiveIntegerField(default=20261128)
    slip_notify_days = models.PositiveSmallIntegerField(default=7)
    whatif_close_in_days = models.PositiveSmallIntegerField(
        default=30, help_text="expected close of a what-if without an opportunity close date"
    )
    intake_skill_level = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="level required for a skill named in the scheduling intake (which has no levels)",
    )
    weekly_hours_pse = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("24"))
    weekly_hours_pm = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("4"))
    weekly_hours_ta = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("8"))
    weekly_hours_trainer = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("16"))
    em_hours_role = models.CharField(
        max_length=16,
        choices=ConsultantRole.choices,
        blank=True,
        default=ConsultantRole.PM,
        help_text="the consultant role that delivers an agreed estimate's Engagement Manager hours "
        "(blank: those hours are not queued)",
    )

    class Meta:
        verbose_name_plural = "forecast policy"

    def __str__(self) -> str:
        return "Forecast policy"

    def weekly_hours_for(self, role: str) -> Decimal:
        return {
            ConsultantRole.PSE: self.weekly_hours_pse,
            ConsultantRole.PM: self.weekly_hours_pm,
            ConsultantRole.TA: self.weekly_hours_ta,
            ConsultantRole.TRAINER: self.weekly_hours_trainer,
        }[ConsultantRole(role)]


class StageProbability(models.Model):
    """Probability that a stage 5+ opportunity closes; weights tentative demand in the forecast."""

    stage = models.CharField(max_length=32, choices=OpportunityStage.choices, unique=True)
    probability = models.DecimalField(
        max_digits=4, decimal_places=3, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
    )

    class Meta:
        ordering = ["stage"]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__gte=0, probability__lte=1), name="probability_0_1")
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.probability}"


class QueueEntry(models.Model):
    """A project in the delivery queue. Committed entries are ordered by `closed_won_at` then id;
    tentative ones (stage 5+) by expected close, behind every committed one.

    `committed_start` is set only through `queue_entry_start_commit` (Closed Won + coordinator confirmation)."""

    title = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="queue_entries")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries"
    )
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries"
    )
    kind = models.CharField(max_length=16, choices=DemandKind.choices, default=DemandKind.COMMITTED)
    status = models.CharField(max_length=20, choices=QueueStatus.choices, default=QueueStatus.QUEUED)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices, default=ServiceType.OTHER)
    closed_won_at = models.DateTimeField(null=True, blank=True)
    expected_close = models.DateField(null=True, blank=True)
    desired_start = models.DateField(null=True, blank=True)
    desired_end = models.DateField(null=True, blank=True)
    requires_clearance = models.BooleanField(default=False)
    regions = models.CharField(max_length=40, blank=True, help_text="comma-separated; empty = any region")
    delivery_mode = models.CharField(max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.REMOTE)
    committed_start = models.DateField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    objects = QueueEntryQuerySet.as_manager()

    class Meta:
        ordering = ["closed_won_at", "id"]
        verbose_name_plural = "queue entries"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="committed") | models.Q(closed_won_at__isnull=False),
                name="committed_has_closed_won_at",
            ),
            models.CheckConstraint(
                condition=models.Q(committed_start__isnull=True) | models.Q(kind="committed"),
                name="start_only_when_committed",
            ),
        ]
        permissions = [
            ("commit_start", "Confirm and commit a project start date"),
            ("manage_queue", "Enter projects into the delivery queue and staff them"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scheduling:entry", args=[self.pk])

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]


class DemandLine(models.Model):
    """Role-hours of a queued project: `hours` in total at `weekly_hours` a week, with the skills
    (name → minimum level) the consultant on this line must hold."""

    entry = models.ForeignKey(QueueEntry, on_delete=models.CASCADE, related_name="lines")
    role = models.CharField(max_length=16, choices=ConsultantRole.choices)
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    weekly_hours = models.DecimalField(max_digits=5, decimal_places=2)
    skills = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="line_hours_positive"),
            models.CheckConstraint(condition=models.Q(weekly_hours__gt=0), name="line_weekly_positive"),
        ]


class Allocation(models.Model):
    """A consultant staffed on a queued project. Hard allocations reduce capacity in the forecast;
    soft ones are proposals. `override_reason` records why a conflict was accepted."""

    entry = models.ForeignKey(QueueEntry, on_delete=models.CASCADE, related_name="allocations")
    consultant = models.ForeignKey(Consultant, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=8, choices=AllocationKind.choices, default=AllocationKind.SOFT)
    starts_on = models.DateField()
    ends_on = models.DateField()
    weekly_hours = models.DecimalField(max_digits=5, decimal_places=2)
    override_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="allocation_ordered"),
            models.CheckConstraint(condition=models.Q(weekly_hours__gt=0), name="allocation_hours_positive"),
        ]


class ForecastRun(models.Model):
    """One run of the worker: inputs' week 0, the samples (npz in `blob`) for what-ifs, timings."""

    created_at = models.DateTimeField(default=clock.now)
    week0 = models.DateField()
    horizon_weeks = models.PositiveSmallIntegerField()
    samples = models.PositiveSmallIntegerField()
    seed = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    meta = models.JSONField(default=dict)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]


class ForecastResult(models.Model):
    """The forecast of one queue entry in one run. Weeks are offsets from the run's week 0;
    `p50_week` None means beyond the horizon (or no eligible consultant: see `binding`)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="results")
    entry = models.ForeignKey(QueueEntry, on_delete=models.CASCADE, related_name="forecasts")
    position = models.PositiveIntegerField()
    p50_week = models.IntegerField(null=True)
    p80_week = models.IntegerField(null=True)
    p50_date = models.DateField(null=True)
    p80_date = models.DateField(null=True)
    binding = models.TextField()
    consultants = models.JSONField(default=list)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["run", "entry"], name="one_result_per_entry_per_run")]


class LeadTime(models.Model):
    """The published lead-time table of a run: weeks from closed won to forecast start, per service."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="lead_times")
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    median_weeks = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    p80_weeks = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    projects = models.PositiveIntegerField()

    class Meta:
        ordering = ["service_type"]
