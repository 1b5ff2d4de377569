from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.core.types import actor_of
from psdesk.scheduling.models import (
    Allocation,
    Consultant,
    ConsultantSkill,
    DemandLine,
    ForecastPolicy,
    QueueEntry,
    Skill,
    StageProbability,
    TimeOff,
)
from psdesk.scheduling.services import queue_entry_after_create


class ConsultantSkillInline(admin.TabularInline):
    model = ConsultantSkill
    extra = 1


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "role",
        "region",
        "weekly_capacity_hours",
        "utilisation_target",
        "us_citizen",
        "cleared",
        "active",
    ]
    list_filter = ["role", "region", "cleared", "active"]
    search_fields = ["name", "email"]
    inlines = [ConsultantSkillInline, TimeOffInline]


class DemandLineInline(admin.TabularInline):
    model = DemandLine
    extra = 1


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    """Role-hours are entered here by hand (the CRM hook takes them from the agreed estimate). The
    committed start is read-only:
    it is set only through the commit service (Closed Won + coordinator confirmation)."""

    list_display = ["title", "account", "kind", "status", "closed_won_at", "service_type"]
    list_filter = ["kind", "status", "service_type"]
    readonly_fields = ["committed_start", "committed_by", "status", "version", "created_at"]
    inlines = [DemandLineInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:  # the same audit row, notification and recompute as the API
            queue_entry_after_create(entry=form.instance, actor=actor_of(request))


admin.site.register(Skill)
admin.site.register(Allocation)
admin.site.register(ForecastPolicy)
admin.site.register(StageProbability)
