from __future__ import annotations

from django.contrib import admin

from psdesk.integrations.models import ChatPost, InboundEvent


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "kind", "event_id", "status")
    list_filter = ("source", "kind", "status")
    search_fields = ("event_id",)
    readonly_fields = ("source", "event_id", "kind", "payload", "status", "result", "received_at")


@admin.register(ChatPost)
class ChatPostAdmin(admin.ModelAdmin):
    """Slack's de-duplication record (read-only): which outbox key became which Slack message."""

    list_display = ("started_at", "idempotency_key", "channel", "ts", "posted_at")
    search_fields = ("idempotency_key", "ts")
    readonly_fields = ("idempotency_key", "channel", "ts", "started_at", "posted_at")
