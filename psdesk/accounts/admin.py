"""Admin for access configuration: the access policy (editable) and US PubSec memberships
(read-only: grants, renewals and revocations go through the audited services and pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.accounts.models import AccessPolicy, ApiToken, IdpGroupRole, PubSecMembership, SsoIdentity


@admin.register(AccessPolicy)
class AccessPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "pubsec_four_eyes", "pubsec_membership_days", "pubsec_review_warning_days")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PubSecMembership)
class PubSecMembershipAdmin(_ReadOnly):
    """Renew or revoke on the PubSec review page (audited), not here."""

    list_display = ("user", "granted_at", "granted_by", "second_approver", "expires_at", "reviewed_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    """Tokens are created and revoked by their owner on the profile page; the admin shows use and expiry."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("user__username", "name", "prefix")
    exclude = ("key_hash",)


@admin.register(IdpGroupRole)
class IdpGroupRoleAdmin(admin.ModelAdmin):
    """Which IdP group gives which PS Desk role at single sign-on (applied at each login)."""

    list_display = ("idp_group", "role", "note")
    list_filter = ("role",)
    search_fields = ("idp_group",)


@admin.register(SsoIdentity)
class SsoIdentityAdmin(_ReadOnly):
    list_display = ("user", "subject", "issuer", "last_login_at")
    search_fields = ("user__username", "subject")
