from __future__ import annotations

from django.contrib import admin

from psdesk.integrations.models import InboundEvent


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "kind", "event_id", "status")
    list_filter = ("source", "kind", "status")
    search_fields = ("event_id",)
    readonly_fields = ("source", "event_id", "kind", "payload", "status", "result", "received_at")
