from __future__ import annotations

from django.contrib import admin

from psdesk.training.models import Registration, Session, TrainerCertification, TrainingPolicy, TrainingRequest


@admin.register(TrainingPolicy)
class TrainingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "registration_lead_days", "default_class_size")


@admin.register(TrainerCertification)
class TrainerCertificationAdmin(admin.ModelAdmin):
    list_display = ("consultant", "course", "certified_on")
    list_filter = ("course",)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Read-mostly: seats and status change through the services."""

    list_display = (
        "__str__",
        "course",
        "starts_at",
        "timezone",
        "instructor",
        "capacity",
        "seats_taken",
        "audience",
        "status",
    )
    list_filter = ("audience", "status", "delivery_mode")
    readonly_fields = ("seats_taken", "status", "delivered_at")


@admin.register(TrainingRequest)
class TrainingRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status", "requester", "team", "audience_size", "manager_decision", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = ("status", "version", "manager_decision", "manager_decided_at", "state_changed_at")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("session", "user", "status", "attended", "link_sent_at")
    list_filter = ("status",)
    readonly_fields = ("status",)
