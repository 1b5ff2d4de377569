from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from psdesk.core.errors import DomainError
from psdesk.core.types import actor_of
from psdesk.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
    TargetBudget,
)
from psdesk.notifications.selectors import outbox_visible
from psdesk.notifications.services import outbox_replay


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """Per event and channel; Django template syntax with event, label, target, actor, account, url
    and the caller's context keys."""

    list_display = ("event", "channel", "subject")
    list_filter = ("channel",)
    search_fields = ("event",)


@admin.register(TargetBudget)
class TargetBudgetAdmin(admin.ModelAdmin):
    list_display = (
        "target",
        "capacity",
        "refill_per_second",
        "tokens",
        "paused_until",
        "max_attempts",
        "lease_seconds",
        "throttle_pause_seconds",
    )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "target", "operation", "destination", "event", "status", "attempts", "next_attempt_at")
    list_filter = ("target", "status")
    search_fields = ("idempotency_key", "destination", "event")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["replay"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        return outbox_visible(user=actor_of(request))

    @admin.action(description="Replay selected parked/retrying messages", permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        done = 0
        for msg in queryset:
            try:
                outbox_replay(message_id=msg.pk, actor=actor_of(request))
                done += 1
            except DomainError as exc:
                messages.warning(request, f"#{msg.pk}: {exc.message}")
        messages.success(request, f"Replayed {done} message(s).")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "event", "title", "read_at")
    list_filter = ("event",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "event", "channel", "enabled")
