"""Reads about people and what they may see."""

from __future__ import annotations

from django.contrib.auth.models import User

from psdesk.accounts.roles import ROLE_LABELS, Role
from psdesk.core.types import AnyUser


def user_roles(user: AnyUser | None) -> set[str]:
    """The role (group) names of a user, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_psdesk_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._psdesk_roles = cached  # type: ignore[union-attr]
    return cached


def user_has_role(user: AnyUser | None, role: str) -> bool:
    return role in user_roles(user)


def user_is_pubsec(user: AnyUser | None) -> bool:
    """May this user see US Public Sector accounts and everything under them?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or user_has_role(user, Role.US_PUBLIC_SECTOR)


def role_labels(user: AnyUser | None) -> list[str]:
    """The user's roles by their display names ("Engagement Manager"), sorted."""
    return sorted(ROLE_LABELS.get(r, r) for r in user_roles(user))


def role_member_names(role: str, *, limit: int = 5) -> list[str]:
    """Full names (else usernames) of active members of a role, e.g. who grants access."""
    users = User.objects.filter(groups__name=role, is_active=True).order_by("username")[:limit]
    return [u.get_full_name() or u.username for u in users]
