"""Writes about people: tokens, personas, PubSec membership."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group, User
from django.db import transaction

from psdesk.accounts.models import ApiToken, Profile, hash_token
from psdesk.accounts.personas import Persona
from psdesk.accounts.roles import Role
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.types import Actor


def token_create(*, user: User, name: str = "default") -> str:
    """Create an API token and return the raw key (shown once)."""
    raw = "psd_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:8], key_hash=hash_token(raw), created_at=clock.now())
    return raw


def token_authenticate(*, raw: str) -> User | None:
    """The active user a raw token belongs to, or None. Records when the token was last used
    (at most once a minute, so a busy client does not write on every request)."""
    tok = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw), revoked=False).first()
    if tok is None or not tok.user.is_active:
        return None
    now = clock.now()
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
    """Create or update the user of a persona with exactly its roles."""
    first, _, last = p.full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=p.username, defaults={"email": p.email, "first_name": first, "last_name": last}
    )
    if password and (created or not user.has_usable_password()):
        user.set_password(password)
        user.save()
    user.groups.set([Group.objects.get_or_create(name=r)[0] for r in p.roles])
    Profile.objects.get_or_create(user=user)
    return user


@transaction.atomic
def pubsec_membership_set(*, user: User, member: bool, actor: Actor, reason: str = "") -> None:
    """Grant or revoke US PubSec membership (audited)."""
    group, _ = Group.objects.get_or_create(name=Role.US_PUBLIC_SECTOR)
    before = user.groups.filter(pk=group.pk).exists()
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    audit_record(
        verb="accounts.pubsec_membership_set",
        actor=actor,
        target=user,
        before={"member": before},
        after={"member": member},
        reason=reason,
    )
