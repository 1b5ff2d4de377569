from __future__ import annotations

from django.contrib import admin

from psdesk.sla.models import Calendar, Closure, SlaPolicy, SlaTimer


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 1


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "country", "subdivision", "timezone", "work_start", "work_end"]
    inlines = [ClosureInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "name",
        "start_event",
        "stop_event",
        "duration",
        "unit",
        "calendar",
        "warn_at_percent",
        "active",
    ]
    list_filter = ["active", "unit"]


@admin.register(SlaTimer)
class SlaTimerAdmin(admin.ModelAdmin):
    list_display = ["id", "policy", "target_type", "target_id", "state", "status", "outcome", "due_at"]
    list_filter = ["state", "status", "outcome", "policy"]
    readonly_fields = [f.name for f in SlaTimer._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
