from __future__ import annotations

from django.contrib import admin

from psdesk.delivery.models import (
    AcceptanceLink,
    BillableEvent,
    ChangeOrder,
    ChangeOrderSignature,
    ChangeOrderSignatureRequest,
    CloseOutItem,
    DeliveryPolicy,
    Milestone,
    MilestoneActivity,
    NonConformity,
)


@admin.register(DeliveryPolicy)
class DeliveryPolicyAdmin(admin.ModelAdmin[DeliveryPolicy]):
    list_display = ["acceptance_policy_key", "acceptance_link_days", "change_order_valid_days", "updated_at"]


class ActivityInline(admin.TabularInline[MilestoneActivity, Milestone]):
    model = MilestoneActivity
    extra = 0
    can_delete = False
    readonly_fields = ["position", "activity", "description", "role", "hours", "fee"]


class ReadOnly:
    """Delivery records change only through the services (audited); the admin shows them."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Milestone)
class MilestoneAdmin(ReadOnly, admin.ModelAdmin[Milestone]):
    list_display = ["project", "position", "name", "status", "acceptance", "hours", "fee", "accepted_at"]
    list_filter = ["status", "acceptance"]
    inlines = [ActivityInline]


@admin.register(BillableEvent)
class BillableEventAdmin(ReadOnly, admin.ModelAdmin[BillableEvent]):
    list_display = ["ref", "milestone", "amount", "currency", "acceptance", "service_date", "outbox_message_id"]


@admin.register(AcceptanceLink)
class AcceptanceLinkAdmin(ReadOnly, admin.ModelAdmin[AcceptanceLink]):
    list_display = ["milestone", "sent_to", "created_at", "expires_at", "used_at", "revoked_at"]
    exclude = ["nonce"]


@admin.register(NonConformity)
class NonConformityAdmin(ReadOnly, admin.ModelAdmin[NonConformity]):
    list_display = ["milestone", "reported_by", "reported_at"]


@admin.register(CloseOutItem)
class CloseOutItemAdmin(ReadOnly, admin.ModelAdmin[CloseOutItem]):
    list_display = ["project", "key", "done", "done_by", "done_at"]


_SIGNATURE_FIELDS = (
    "party",
    "name",
    "title",
    "email",
    "signed_at",
    "ip_address",
    "user_agent",
    "signed_pdf_sha256",
    "by_link",
)


class SignatureInline(ReadOnly, admin.TabularInline[ChangeOrderSignature, ChangeOrder]):
    model = ChangeOrderSignature
    extra = 0
    fields = _SIGNATURE_FIELDS
    readonly_fields = _SIGNATURE_FIELDS


@admin.register(ChangeOrder)
class ChangeOrderAdmin(ReadOnly, admin.ModelAdmin[ChangeOrder]):
    list_display = ["code", "project", "status", "hours_delta", "fee_delta", "created_at", "executed_at"]
    list_filter = ["status"]
    exclude = ["content"]
    inlines = [SignatureInline]


@admin.register(ChangeOrderSignatureRequest)
class ChangeOrderSignatureRequestAdmin(ReadOnly, admin.ModelAdmin[ChangeOrderSignatureRequest]):
    list_display = ["change_order", "signer_email", "status", "created_at", "expires_at", "used_at"]
    list_filter = ["status"]
    exclude = ["nonce_sha256"]
