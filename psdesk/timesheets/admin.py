from __future__ import annotations

from django.contrib import admin

from psdesk.timesheets.models import (
    BudgetAlert,
    EstimateToComplete,
    TimeEntry,
    TimesheetsPolicy,
    TimesheetWeek,
    WorkAtRisk,
)


@admin.register(TimesheetsPolicy)
class TimesheetsPolicyAdmin(admin.ModelAdmin[TimesheetsPolicy]):
    list_display = ["__str__", "alert_first_ratio", "alert_second_ratio", "max_hours_per_day"]


class ReadOnlyAdmin[M: "admin.models.Model"](admin.ModelAdmin[M]):  # type: ignore[name-defined]
    """Entries, weeks and approvals change only through the services (audited): read-only here."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin[TimeEntry]):
    list_display = ["consultant", "project", "task", "day", "hours", "billable", "over_budget"]
    list_filter = ["billable", "over_budget"]
    list_select_related = ["consultant", "project", "task"]


@admin.register(TimesheetWeek)
class TimesheetWeekAdmin(ReadOnlyAdmin[TimesheetWeek]):
    list_display = ["consultant", "project", "week_start", "status", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["consultant", "project", "decided_by"]


@admin.register(WorkAtRisk)
class WorkAtRiskAdmin(ReadOnlyAdmin[WorkAtRisk]):
    list_display = ["project", "status", "hours_cap", "expires_on", "requested_by", "decided_by"]
    list_filter = ["status"]


@admin.register(EstimateToComplete)
class EstimateToCompleteAdmin(ReadOnlyAdmin[EstimateToComplete]):
    list_display = ["project", "hours", "entered_by", "entered_at"]


@admin.register(BudgetAlert)
class BudgetAlertAdmin(ReadOnlyAdmin[BudgetAlert]):
    list_display = ["project", "ratio", "burn", "sent_at"]
