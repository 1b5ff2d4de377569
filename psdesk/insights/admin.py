from __future__ import annotations

from django.contrib import admin

from psdesk.insights.models import DashboardPolicy


@admin.register(DashboardPolicy)
class DashboardPolicyAdmin(admin.ModelAdmin[DashboardPolicy]):
    list_display = ("__str__", "months", "window_days", "lead_time_weeks", "start_target_days", "welcome_target_rate")
