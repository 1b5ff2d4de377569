from __future__ import annotations

from django.contrib import admin

from psdesk.chatops.models import SlackInteraction, SlackPolicy, SlackUserLink


@admin.register(SlackPolicy)
class SlackPolicyAdmin(admin.ModelAdmin[SlackPolicy]):
    list_display = ("__str__", "approvals_channel", "pubsec_channel_id", "signature_window_seconds")


@admin.register(SlackUserLink)
class SlackUserLinkAdmin(admin.ModelAdmin[SlackUserLink]):
    list_display = ("slack_user_id", "team_id", "user", "linked_via", "linked_at")
    search_fields = ("slack_user_id", "user__username", "user__email")
    readonly_fields = ("team_id", "slack_user_id", "user", "linked_via", "linked_at")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(SlackInteraction)
class SlackInteractionAdmin(admin.ModelAdmin[SlackInteraction]):
    list_display = ("created_at", "kind", "slack_user_id", "user", "status")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in SlackInteraction._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
