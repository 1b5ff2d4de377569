"""Time entries per project task and day, the weekly timesheet a project manager approves or
returns, work-at-risk approvals (work before the SOW or change order is executed), the project
manager's estimate to complete, the budget alerts already sent, and the timesheets policy.

`TimesheetWeek.status` is written only by `psdesk.timesheets.services.week_transition`; entries only
by `psdesk.timesheets.services` (each write audited)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core import clock
from psdesk.core.types import AnyUser
from psdesk.delivery.models import ChangeOrder
from psdesk.projects.models import Project, ProjectTask
from psdesk.scheduling.models import Consultant
from psdesk.timesheets.choices import WeekStatus, WorkAtRiskStatus

ZERO = Decimal("0")


class TimesheetsPolicy(models.Model):
    """Single-row policy (id=1), admin-editable: budget alert thresholds (fractions of budget
    hours, each alerted once per project), the utilisation target per consultant role, and the
    most hours one person may log on one day."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    alert_first_ratio = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.800"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    alert_second_ratio = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("1.000"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    target_pse = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.750"))
    target_pm = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.600"))
    target_ta = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.550"))
    target_trainer = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.650"))
    max_hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("16"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("24"))],
    )

    class Meta:
        verbose_name_plural = "timesheets policy"

    def __str__(self) -> str:
        return "Timesheets policy"

    @property
    def alert_ratios(self) -> list[Decimal]:
        return sorted({self.alert_first_ratio, self.alert_second_ratio})

    def target_for(self, role: str) -> Decimal:
        return {
            "PSE": self.target_pse,
            "PM": self.target_pm,
            "TA": self.target_ta,
            "Trainer": self.target_trainer,
        }.get(role, self.target_pse)


class ByProjectQuerySet[M: models.Model](models.QuerySet[M]):
    """Rows of a project: PubSec projects only for PubSec members."""

    def visible_to(self, user: AnyUser | None) -> ByProjectQuerySet[M]:
        return self if user_is_pubsec(user) else self.filter(project__account__us_public_sector=False)


class WorkAtRisk(models.Model):
    """Permission to start work on a project before its SOW (or change order) is executed: asked
    for with a reason, decided by PS Leadership, capped in hours and expiring."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="work_at_risk")
    reason = models.TextField()
    hours_cap = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))])
    expires_on = models.DateField()
    status = models.CharField(max_length=12, choices=WorkAtRiskStatus.choices, default=WorkAtRiskStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    change_order = models.ForeignKey(
        ChangeOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_at_risk",
        help_text="work at risk on a change order not executed yet (else on the project's SOW)",
    )
    tasks = models.ManyToManyField(
        ProjectTask, blank=True, related_name="+", help_text="the change order's tasks opened for the work at risk"
    )

    objects = ByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "work-at-risk approval"
        constraints = [models.CheckConstraint(condition=models.Q(hours_cap__gt=0), name="war_cap_positive")]
        permissions = [
            ("request_work_at_risk", "Ask PS Leadership to start work before the paperwork is executed"),
            ("decide_work_at_risk", "Approve or reject work at risk"),
        ]

    def __str__(self) -> str:
        return f"work at risk on {self.project} ({self.hours_cap} h until {self.expires_on})"


class TimesheetWeek(models.Model):
    """One consultant's week (Monday `week_start`) on one project: open → submitted → approved, or
    returned with a reason and submitted again. An approved week's entries are locked."""

    consultant = models.ForeignKey(Consultant, on_delete=models.PROTECT, related_name="timesheet_weeks")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="timesheet_weeks")
    week_start = models.DateField()
    status = models.CharField(max_length=12, choices=WeekStatus.choices, default=WeekStatus.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = ByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultant", "project", "week_start"], name="one_week_per_project")
        ]
        indexes = [models.Index(fields=["project", "status"], name="week_project_status")]
        permissions = [
            ("log_time", "Log hours on project tasks"),
            ("approve_timesheet", "Approve or return a week of time on the projects one manages"),
            ("approve_any_timesheet", "Approve or return any project's time (backup for the project manager)"),
            ("view_budget", "See project budget burn, forecast at completion and utilisation"),
        ]

    def __str__(self) -> str:
        return f"{self.consultant.name} · {self.project} · week of {self.week_start:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return f"/timesheets/weeks/{self.pk}/"


class TimeEntry(models.Model):
    """Hours one consultant worked on one project task on one day. `over_budget` records that the
    person logging acknowledged the task's budget was exceeded; `work_at_risk` the approval it was
    logged under when the paperwork was not yet executed."""

    consultant = models.ForeignKey(Consultant, on_delete=models.PROTECT, related_name="time_entries")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(ProjectTask, on_delete=models.PROTECT, related_name="time_entries")
    week = models.ForeignKey(TimesheetWeek, on_delete=models.PROTECT, related_name="entries")
    day = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    billable = models.BooleanField(default=True)
    note = models.CharField(max_length=500, blank=True)
    over_budget = models.BooleanField(default=False)
    work_at_risk = models.ForeignKey(
        WorkAtRisk, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    objects = ByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["day", "id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.UniqueConstraint(fields=["consultant", "task", "day"], name="one_entry_per_task_and_day"),
            models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24), name="entry_hours_0_24"),
        ]
        indexes = [
            models.Index(fields=["consultant", "day"], name="entry_consultant_day"),
            models.Index(fields=["project", "day"], name="entry_project_day"),
        ]

    def __str__(self) -> str:
        return f"{self.consultant.name} {self.day} {self.hours} h on {self.task}"


class EstimateToComplete(models.Model):
    """The project manager's estimate of the hours still needed (history kept; the latest counts)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="estimates_to_complete")
    hours = models.DecimalField(max_digits=9, decimal_places=2, validators=[MinValueValidator(ZERO)])
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(default=clock.now)

    objects = ByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gte=0), name="etc_not_negative")]

    def __str__(self) -> str:
        return f"ETC {self.hours} h on {self.project}"


class BudgetAlert(models.Model):
    """A budget threshold already alerted for a project (so each threshold alerts once)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_alerts")
    ratio = models.DecimalField(max_digits=4, decimal_places=3)
    burn = models.DecimalField(max_digits=7, decimal_places=4)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["project", "ratio"]
        constraints = [models.UniqueConstraint(fields=["project", "ratio"], name="budget_alert_once")]

    def __str__(self) -> str:
        return f"{self.project}: {self.ratio:.0%} of budget"
