"""The scheduler's tables: one `ScheduledJob` row per periodic job (its period is editable in the
admin) and one `JobRun` row per job and period. The unique (job, period_start) pair is the lease:
whichever scheduler process inserts it first runs that period; every other one gets an
IntegrityError and skips it. Written only by psdesk.ops.services."""

from __future__ import annotations

from django.db import models

from psdesk.core import clock


class ScheduledJob(models.Model):
    key = models.SlugField(primary_key=True, max_length=40, help_text="the job's name in psdesk/ops/jobs.py")
    interval_seconds = models.PositiveIntegerField(help_text="the period: the job runs once in each such window")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class JobRun(models.Model):
    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateTimeField(help_text="start of the period this run belongs to (UTC, epoch-aligned)")
    claimed_by = models.CharField(max_length=128, help_text="host:pid of the scheduler that claimed the period")
    claimed_at = models.DateTimeField(default=clock.now)
    task_id = models.CharField(max_length=64, blank=True, help_text="id of the enqueued django.tasks task")

    class Meta:
        ordering = ["-period_start", "job_id"]
        constraints = [models.UniqueConstraint(fields=["job", "period_start"], name="ops_jobrun_once_per_period")]

    def __str__(self) -> str:
        return f"{self.job_id} @ {self.period_start:%Y-%m-%d %H:%M}"
