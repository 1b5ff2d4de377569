"""Writes about people: tokens, personas, PubSec membership."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction

from psdesk.accounts.models import ApiToken, Profile, PubSecMembership, hash_token
from psdesk.accounts.personas import Persona
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import access_policy_get, user_caches_clear
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from psdesk.core.types import Actor


def token_create(*, user: User, name: str = "default", expires_at: datetime | None = None) -> str:
    """Create an API token and return the raw key (shown once). From `expires_at` on (if given)
    the token is refused with 401. Raises ValidationFailed for an expiry that is not in the future."""
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("A token's expiry must be in the future.", details={"field": "expires_at"})
    raw = "psd_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=raw[:8], key_hash=hash_token(raw), created_at=now, expires_at=expires_at
    )
    return raw


def token_authenticate(*, raw: str) -> User | None:
    """The active user a raw token belongs to, or None (unknown, revoked or expired: 401). Records
    when the token was last used (at most once a minute, so a busy client does not write on every
    request)."""
    tok = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw), revoked=False).first()
    if tok is None or not tok.user.is_active:
        return None
    now = clock.now()
    if tok.expires_at is not None and tok.expires_at <= now:
        return None
    if tok.last_used_at is None or (now - tok.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
    return tok.user


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens (audited). False when there was none to revoke."""
    with transaction.atomic():
        tok = ApiToken.objects.filter(pk=token_id, user=user, revoked=False).first()
        if tok is None:
            return False
        tok.revoked = True
        tok.save(update_fields=["revoked"])
        audit_record(verb="accounts.token_revoked", actor=user, target=tok, after={"prefix": tok.prefix})
        return True


@transaction.atomic
def persona_ensure(p: Persona, *, password: str | None) -> User:
    """Create or update the user of a persona with exactly its roles. A persona with the US PubSec
    role gets a current membership (recorded as granted by the seed)."""
    first, _, last = p.full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=p.username, defaults={"email": p.email, "first_name": first, "last_name": last}
    )
    if password and (created or not user.has_usable_password()):
        user.set_password(password)
        user.save()
    user.groups.set([Group.objects.get_or_create(name=r)[0] for r in p.roles])
    Profile.objects.get_or_create(user=user)
    if Role.US_PUBLIC_SECTOR in p.roles:
        now = clock.now()
        PubSecMembership.objects.update_or_create(
            user=user,
            defaults={"granted_at": now, "expires_at": _expiry(now), "revoked_at": None},
        )
    return user


def _expiry(start: datetime) -> datetime:
    return start + timedelta(days=access_policy_get().pubsec_membership_days)


@transaction.atomic
def pubsec_membership_grant(
    *, user: User, actor: Actor, reason: str = "", second_approver: Actor | None = None
) -> PubSecMembership:
    """Make `user` a US PubSec member until now + the policy's membership days (audited
    `accounts.pubsec_membership_set`). The four-eyes rule lives with the access request
    (`scoping.services.pubsec_access_decide`); this only records who granted it."""
    group, _ = Group.objects.get_or_create(name=Role.US_PUBLIC_SECTOR)
    before = user.groups.filter(pk=group.pk).exists()
    user.groups.add(group)
    now = clock.now()
    membership, _ = PubSecMembership.objects.update_or_create(
        user=user,
        defaults={
            "granted_at": now,
            "granted_by": actor if getattr(actor, "pk", None) else None,
            "second_approver": second_approver,
            "expires_at": _expiry(now),
            "reviewed_at": None,
            "reviewed_by": None,
            "revoked_at": None,
        },
    )
    user_caches_clear(user)
    audit_record(
        verb="accounts.pubsec_membership_set",
        actor=actor,
        target=user,
        before={"member": before},
        after={
            "member": True,
            "expires_at": membership.expires_at.isoformat(),
            "second_approver": getattr(second_approver, "username", None),
        },
        reason=reason,
    )
    return membership


def _reviewer_refusal(*, user: User, actor: Actor) -> None:
    if not actor.has_perm("accounts.grant_pubsec"):
        raise PermissionDenied("Only a PS Ops Manager may recertify US PubSec memberships.")
    if actor.pk == user.pk:
        raise PermissionDenied("Nobody recertifies their own US PubSec membership; another PS Ops Manager must.")


def pubsec_membership_renew(*, user_id: int, actor: Actor, reason: str = "") -> PubSecMembership:
    """Recertify: the membership lasts the policy's days from now (audited
    `accounts.pubsec_membership_renewed`). A holder of the role without a recorded grant gets one.
    Raises PermissionDenied (not PS Ops, or one's own), NotFound (no such member)."""
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound(f"user {user_id} not found")
        _reviewer_refusal(user=user, actor=actor)
        membership = PubSecMembership.objects.select_for_update(of=("self",)).filter(user=user).first()
        in_role = user.groups.filter(name=Role.US_PUBLIC_SECTOR).exists()
        if not in_role and (membership is None or membership.revoked_at is not None):
            raise NotFound(f"{user.username} is not a US PubSec member")
        now = clock.now()
        before = {"expires_at": membership.expires_at.isoformat() if membership else None}
        if membership is None:
            membership = PubSecMembership(user=user, granted_at=now, granted_by=actor)
        membership.expires_at, membership.reviewed_at, membership.reviewed_by = _expiry(now), now, actor
        membership.revoked_at = None
        membership.save()
        if not in_role:
            user.groups.add(Group.objects.get_or_create(name=Role.US_PUBLIC_SECTOR)[0])
        user_caches_clear(user)
        audit_record(
            verb="accounts.pubsec_membership_renewed",
            actor=actor,
            target=user,
            before=before,
            after={"expires_at": membership.expires_at.isoformat()},
            reason=reason,
        )
        return membership


def pubsec_membership_revoke(*, user_id: int, actor: Actor, reason: str) -> None:
    """End a membership now: the role is removed and the record marked revoked (audited
    `accounts.pubsec_membership_revoked`). Raises PermissionDenied, NotFound, ValidationFailed (no
    reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Revoking needs a reason.", details={"field": "reason"})
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound(f"user {user_id} not found")
        _reviewer_refusal(user=user, actor=actor)
        _membership_end(user=user, actor=actor, reason=reason, verb="accounts.pubsec_membership_revoked")


def _membership_end(*, user: User, actor: Actor, reason: str, verb: str) -> None:
    group, _ = Group.objects.get_or_create(name=Role.US_PUBLIC_SECTOR)
    before = user.groups.filter(pk=group.pk).exists()
    user.groups.remove(group)
    PubSecMembership.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    user_caches_clear(user)
    audit_record(verb=verb, actor=actor, target=user, before={"member": before}, after={"member": False}, reason=reason)


@transaction.atomic
def pubsec_membership_set(*, user: User, member: bool, actor: Actor, reason: str = "") -> None:
    """Grant (with the policy's expiry) or end US PubSec membership (audited)."""
    if member:
        pubsec_membership_grant(user=user, actor=actor, reason=reason)
    else:
        _membership_end(user=user, actor=actor, reason=reason, verb="accounts.pubsec_membership_set")
