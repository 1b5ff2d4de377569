from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from psdesk.ops.jobs import JOBS
from psdesk.ops.models import JobRun, ScheduledJob


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin[ScheduledJob]):
    """The periodic jobs: change a period or switch a job off. Rows are created by the scheduler."""

    list_display = ("key", "summary", "interval_seconds", "enabled")
    list_editable = ("interval_seconds", "enabled")
    readonly_fields = ("key",)

    @admin.display(description="what it does")
    def summary(self, obj: ScheduledJob) -> str:
        job = JOBS.get(obj.key)
        return job.summary if job else "(unknown job: no longer in psdesk/ops/jobs.py)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin[JobRun]):
    """One row per job and period: which scheduler claimed it and the task it enqueued."""

    list_display = ("job", "period_start", "claimed_by", "claimed_at", "task_id")
    list_filter = ("job",)
    date_hierarchy = "period_start"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
