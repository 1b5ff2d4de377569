from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log has no edit or delete path."""

    list_display = ("seq", "occurred_at", "actor_label", "verb", "target_repr")
    list_filter = ("verb",)
    search_fields = ("verb", "target_repr", "actor_label", "request_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
