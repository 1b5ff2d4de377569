from __future__ import annotations

from django.contrib import admin

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
    """Role-hours may be entered here until estimates feed them. The committed start is read-only:
    it is set only through the commit service (Closed Won + coordinator confirmation)."""

    list_display = ["title", "account", "kind", "status", "closed_won_at", "service_type"]
    list_filter = ["kind", "status", "service_type"]
    readonly_fields = ["committed_start", "committed_by", "status", "version"]
    inlines = [DemandLineInline]


admin.site.register(Skill)
admin.site.register(Allocation)
admin.site.register(ForecastPolicy)
admin.site.register(StageProbability)
