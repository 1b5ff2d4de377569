from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.types import actor_of
from psdesk.scheduling.choices import TimeOffStatus
from psdesk.scheduling.models import (
    Allocation,
    Consultant,
    ConsultantCostRate,
    ConsultantSkill,
    DemandLine,
    ForecastPolicy,
    QueueEntry,
    Skill,
    StageProbability,
    TimeOff,
)
from psdesk.scheduling.services import forecast_recompute_request, queue_entry_after_create


class ConsultantSkillInline(admin.TabularInline):
    model = ConsultantSkill
    extra = 1


class TimeOffInline(admin.TabularInline):
    """Time off entered here by a coordinator is approved at once (as `time_off_add`); a
    consultant's own request is decided on the time-off page (My work), not here."""

    model = TimeOff
    extra = 0
    fields = ["starts_on", "ends_on", "reason", "status", "decided_by", "decision_reason"]
    readonly_fields = ["status", "decided_by", "decision_reason"]


class ConsultantCostRateInline(admin.TabularInline):
    model = ConsultantCostRate
    extra = 0


def _plain(value: Any) -> Any:
    """A form value as an audit row stores it (a related object by its text)."""
    return value if value is None or isinstance(value, (str, int, float, bool, Decimal)) else str(value)


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
    readonly_fields = ["version", "created_at"]
    inlines = [ConsultantSkillInline, ConsultantCostRateInline, TimeOffInline]

    def save_model(self, request: HttpRequest, obj: Consultant, form: Any, change: bool) -> None:
        """Audited like the API: the changed fields before and after (`scheduling.consultant_updated`
        or `_created`), and a forecast recompute after commit."""
        changed = list(form.changed_data)
        before = {f: _plain(form.initial.get(f)) for f in changed} if change else {}
        if change and changed:
            obj.version += 1
        super().save_model(request, obj, form, change)
        if changed or not change:
            audit_record(
                verb="scheduling.consultant_updated" if change else "scheduling.consultant_created",
                actor=actor_of(request),
                target=obj,
                before=before,
                after={f: _plain(form.cleaned_data.get(f)) for f in changed},
                reason="admin",
            )
            forecast_recompute_request()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """New time off from the admin is the coordinator's entry: approved by them; inline changes
        (skills, cost rates, time off) are audited as one `scheduling.consultant_updated` row."""
        instances = formset.save(commit=False)
        for inst in instances:
            if isinstance(inst, TimeOff) and inst.pk is None:
                inst.status = TimeOffStatus.APPROVED
                inst.requested_by = inst.decided_by = request.user
                inst.decided_at = clock.now()
        super().save_formset(request, form, formset, change)
        touched = [str(i) for i in instances] + [str(o) for o in formset.deleted_objects]
        if change and touched:
            audit_record(
                verb="scheduling.consultant_updated",
                actor=actor_of(request),
                target=form.instance,
                after={formset.model._meta.verbose_name_plural: touched},
                reason="admin",
            )
            forecast_recompute_request()


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
