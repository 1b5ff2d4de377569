"""People: profile data beyond Django's user, API tokens, US PubSec membership and its policy."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from psdesk.accounts.roles import ROLE_LABELS


class Profile(models.Model):
    """Per-user settings: manager (for approvals), timezone, region."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    title = models.CharField(max_length=120, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    region = models.CharField(max_length=32, blank=True)

    class Meta:
        permissions = [
            ("grant_pubsec", "Grant or revoke US Public Sector access"),
            ("confirm_pubsec", "Give the second approval of a US Public Sector access grant"),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the raw key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="refused (401) from this time on; empty: no expiry"
    )
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AccessPolicy(models.Model):
    """Privileged-access policy (one row, admin-editable): four-eyes on US PubSec grants and how
    long a membership lasts before PS Ops must recertify it."""

    pubsec_four_eyes = models.BooleanField(
        default=True,
        help_text="granting PubSec access needs a second approver (PS Ops Manager or PS Leadership) "
        "besides the first PS Ops Manager; nobody ever decides their own request",
    )
    pubsec_membership_days = models.PositiveIntegerField(
        default=180, help_text="a granted or renewed membership expires after this many days"
    )
    pubsec_review_warning_days = models.PositiveIntegerField(
        default=30, help_text="the recertification page lists memberships expiring within this many days as due"
    )

    class Meta:
        verbose_name_plural = "access policy"

    def __str__(self) -> str:
        four_eyes = "four-eyes" if self.pubsec_four_eyes else "one approver"
        return f"PubSec: {four_eyes}, memberships last {self.pubsec_membership_days} days"


class PubSecMembership(models.Model):
    """A user's US Public Sector membership: who granted it, until when. Visibility of PubSec data
    needs the US PubSec role *and* a membership here that is neither expired nor revoked
    (`selectors.user_is_pubsec`); PS Ops renew or revoke it on the recertification page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pubsec_membership")
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = "US PubSec membership"

    def __str__(self) -> str:
        return f"PubSec membership of {self.user} until {self.expires_at:%Y-%m-%d}"


class IdpGroupRole(models.Model):
    """Single sign-on: members of this identity-provider group get this PS Desk role at each login
    (psdesk/accounts/sso.py). A user none of whose groups is mapped is refused. The US PubSec role is
    granted only through a row naming it here, and its membership still expires and is recertified."""

    idp_group = models.CharField(max_length=200, help_text="the group name as the IdP sends it in the groups claim")
    role = models.CharField(
        max_length=64, choices=list(ROLE_LABELS.items()), help_text="the PS Desk role members of the group get"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["idp_group", "role"]
        verbose_name = "IdP group → role"
        verbose_name_plural = "IdP groups → roles"
        constraints = [models.UniqueConstraint(fields=["idp_group", "role"], name="idp_group_role_once")]

    def __str__(self) -> str:
        return f"{self.idp_group} → {self.role}"


class SsoIdentity(models.Model):
    """The IdP account (issuer + subject) a PS Desk user signs in with."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    last_login_at = models.DateTimeField(null=True, blank=True)
    last_groups = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "SSO identity"
        verbose_name_plural = "SSO identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_idp_subject")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"
