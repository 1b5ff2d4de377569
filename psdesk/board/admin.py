from __future__ import annotations

from django.contrib import admin

from psdesk.board.models import BoardPolicy, ClosedLostSuggestion


@admin.register(BoardPolicy)
class BoardPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "stale_days", "allow_early_final_approvals")


@admin.register(ClosedLostSuggestion)
class ClosedLostSuggestionAdmin(admin.ModelAdmin):
    list_display = ("engagement", "suggested_at", "idle_since", "status", "decided_by")
    list_filter = ("status",)
    readonly_fields = ("engagement", "suggested_at", "idle_since", "status", "decided_by", "decided_at")
