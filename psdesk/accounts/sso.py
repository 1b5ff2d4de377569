"""Single sign-on with OpenID Connect (mozilla-django-oidc): the company IdP signs people in; its
groups decide their PS Desk roles through the admin-editable `IdpGroupRole` table, at every login.

- A user is found by the IdP subject, else by the verified email (then the subject is recorded),
  else created (no usable password: they sign in only through the IdP).
- Roles are set to exactly the mapped roles of the groups claim; nobody with no mapped group gets in
  (`SsoRefused`, audited `accounts.sso_refused`; the login page says why).
- US PubSec: only a row mapping a group to the US PubSec role grants it. The first time, a membership
  is recorded with the access policy's expiry; an expired one is *not* renewed by logging in (PS Ops
  recertify it on the PubSec review page), and one PS Ops revoked is not re-granted by the IdP. A
  user whose mapped PubSec group is gone loses the role and the membership at the next login.
- Local passwords stay for a break-glass admin and the demo: with SSO on and
  `PSDESK_LOCAL_LOGIN_USERS` set, only those usernames may sign in with a password.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, User
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from psdesk.accounts.models import IdpGroupRole, Profile, PubSecMembership, SsoIdentity
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import access_policy_get, user_caches_clear
from psdesk.audit.services import audit_record
from psdesk.core import clock

log = logging.getLogger("psdesk.sso")


class SsoRefused(SuspiciousOperation):
    """The IdP signed the person in, but PS Desk does not let them in (reason in the message)."""


def sso_enabled() -> bool:
    return bool(getattr(settings, "PSDESK_OIDC_ENABLED", False))


def sso_roles_for(groups: list[str]) -> set[str]:
    """The PS Desk roles the IdP groups map to (the admin's table)."""
    return set(IdpGroupRole.objects.filter(idp_group__in=groups).values_list("role", flat=True))


def _groups(claims: dict[str, Any]) -> list[str]:
    raw = claims.get(getattr(settings, "PSDESK_OIDC_GROUPS_CLAIM", "groups"), [])
    if isinstance(raw, str):
        raw = [g for g in re.split(r"[,\s]+", raw) if g]
    return [str(g)[:200] for g in raw if isinstance(g, str | int)] if isinstance(raw, list) else []


def _username(claims: dict[str, Any]) -> str:
    base = str(claims.get("preferred_username") or str(claims.get("email", "")).split("@", 1)[0] or "user")
    base = re.sub(r"[^\w.@+-]", "", base)[:140] or "user"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


def _refuse(claims: dict[str, Any], reason: str) -> SsoRefused:
    with transaction.atomic():
        audit_record(
            verb="accounts.sso_refused",
            actor="sso",
            after={"subject": str(claims.get("sub", ""))[:255], "email": str(claims.get("email", ""))[:254]},
            reason=reason,
        )
    return SsoRefused(reason)


def _pubsec_follow(user: User, *, wanted: bool, group: str) -> dict[str, Any]:
    """Keep the US PubSec role and membership in step with the mapped group (see the module doc)."""
    pubsec = Group.objects.get_or_create(name=Role.US_PUBLIC_SECTOR)[0]
    membership = PubSecMembership.objects.filter(user=user).first()
    now = clock.now()
    if wanted:
        if membership is not None and membership.revoked_at is not None:
            return {"pubsec": "revoked by PS Ops; not re-granted"}
        user.groups.add(pubsec)
        if membership is None:
            PubSecMembership.objects.create(
                user=user, granted_at=now, expires_at=now + timedelta(days=access_policy_get().pubsec_membership_days)
            )
            audit_record(
                verb="accounts.pubsec_membership_set",
                actor="sso",
                target=user,
                before={"member": False},
                after={"member": True, "via": f"IdP group {group}"},
            )
            return {"pubsec": "granted"}
        return {"pubsec": "expired" if membership.expires_at <= now else "current"}
    if user.groups.filter(pk=pubsec.pk).exists() or (membership is not None and membership.revoked_at is None):
        user.groups.remove(pubsec)
        PubSecMembership.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(
            verb="accounts.pubsec_membership_set",
            actor="sso",
            target=user,
            before={"member": True},
            after={"member": False},
            reason="no mapped US PubSec group in the IdP any more",
        )
        return {"pubsec": "ended"}
    return {}


def sso_user_sync(*, claims: dict[str, Any], issuer: str = "") -> User:
    """The PS Desk user of a verified set of IdP claims, created or updated, with exactly the mapped
    roles (audited `accounts.sso_user_created` / `accounts.sso_roles_changed`). Raises SsoRefused
    (audited) for no subject, an unverified email, no mapped group, or an inactive user."""
    subject = str(claims.get("sub", "") or "")
    email = str(claims.get("email", "") or "").strip()
    if not subject or not email:
        raise _refuse(claims, "The identity provider sent no subject or email.")
    if claims.get("email_verified") is False:
        raise _refuse(claims, "The identity provider has not verified this email address.")
    groups = _groups(claims)
    roles = sso_roles_for(groups)
    if not roles:
        raise _refuse(claims, "None of your identity provider groups is mapped to a PS Desk role.")
    with transaction.atomic():
        identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        user = identity.user if identity else User.objects.filter(email__iexact=email).order_by("id").first()
        created = user is None
        if user is None:
            user = User(username=_username(claims), email=email)
            user.set_unusable_password()
        elif not user.is_active:
            transaction.set_rollback(True)
            raise _refuse(claims, "This PS Desk account is deactivated.")
        user.email = email
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        user.save()
        Profile.objects.get_or_create(user=user)
        SsoIdentity.objects.update_or_create(
            user=user,
            defaults={"issuer": issuer, "subject": subject, "last_login_at": clock.now(), "last_groups": groups},
        )
        before = sorted(user.groups.exclude(name=Role.US_PUBLIC_SECTOR).values_list("name", flat=True))
        plain = sorted(roles - {Role.US_PUBLIC_SECTOR})
        user.groups.set([Group.objects.get_or_create(name=r)[0] for r in plain])
        pubsec_groups = IdpGroupRole.objects.filter(idp_group__in=groups, role=Role.US_PUBLIC_SECTOR)
        pubsec = _pubsec_follow(
            user,
            wanted=Role.US_PUBLIC_SECTOR in roles,
            group=pubsec_groups.values_list("idp_group", flat=True).first() or "",
        )
        user_caches_clear(user)
        if created:
            audit_record(verb="accounts.sso_user_created", actor="sso", target=user, after={"roles": plain, **pubsec})
        elif before != plain or pubsec.get("pubsec") in {"granted", "ended"}:
            audit_record(
                verb="accounts.sso_roles_changed",
                actor="sso",
                target=user,
                before={"roles": before},
                after={"roles": plain, **pubsec},
            )
    return user


class PsDeskOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's code flow, with PS Desk's user and role rules (`sso_user_sync`)."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if not sso_enabled():
            return None
        return super().authenticate(request, **kwargs)  # type: ignore[no-any-return]

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        return sso_user_sync(claims=claims, issuer=str(payload.get("iss", "") or ""))


class LocalPasswordBackend(ModelBackend):
    """Username and password. With SSO on and PSDESK_LOCAL_LOGIN_USERS set (the break-glass admin,
    the demo personas), only those usernames may use a password; everyone else signs in with the IdP."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        allowed = [u for u in getattr(settings, "PSDESK_LOCAL_LOGIN_USERS", []) if u]
        if sso_enabled() and allowed and username not in allowed:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
