from __future__ import annotations

from django.contrib import admin

from psdesk.approvals.models import ApprovalDecision, ApprovalRequest


class DecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    readonly_fields = ["decider", "approve", "content_hash", "target_state", "comment", "decided_at"]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    """Read-only: approvals are written by the services (audited), never by hand."""

    list_display = ["id", "kind", "target_type", "target_id", "status", "requester", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]
    inlines = [DecisionInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
