"""Reads about people and what they may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Q

from psdesk.accounts.models import AccessPolicy, PubSecMembership
from psdesk.accounts.roles import ROLE_LABELS, Role
from psdesk.core import clock
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
    """May this user see US Public Sector accounts and everything under them? The US PubSec role
    *and* a current membership (granted, not expired, not revoked); cached on the user object for
    the request. A superuser always may."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if not user_has_role(user, Role.US_PUBLIC_SECTOR):
        return False
    cached = getattr(user, "_psdesk_pubsec", None)
    if cached is None:
        pk = user.pk
        cached = (
            pk is not None
            and PubSecMembership.objects.filter(
                user_id=pk, revoked_at__isnull=True, expires_at__gt=clock.now()
            ).exists()
        )
        user._psdesk_pubsec = cached  # type: ignore[union-attr]
    return bool(cached)


def user_caches_fill(users: Iterable[AnyUser]) -> None:
    """Fill the role and PubSec-membership caches of many user objects (several objects may be the
    same person) in two queries, so `user_roles` / `user_is_pubsec` on them read no more rows: for
    a batch that routes many notifications at once. Answers exactly as the per-user reads would."""
    objs = [u for u in users if u is not None and u.pk is not None]
    ids = {int(u.pk) for u in objs}
    if not ids:
        return
    roles: dict[int, set[str]] = {i: set() for i in ids}
    members: set[int] = set()
    now = clock.now()
    ordered = sorted(ids)
    for i in range(0, len(ordered), 10_000):  # below every database's bound-parameter limit
        chunk = ordered[i : i + 10_000]
        for user_id, name in User.groups.through.objects.filter(user_id__in=chunk).values_list(
            "user_id", "group__name"
        ):
            roles[user_id].add(name)
        members.update(
            PubSecMembership.objects.filter(user_id__in=chunk, revoked_at__isnull=True, expires_at__gt=now)
            .values_list("user_id", flat=True)
            .distinct()
        )
    for u in objs:
        u._psdesk_roles = set(roles[u.pk])  # type: ignore[attr-defined]
        u._psdesk_pubsec = u.pk in members  # type: ignore[attr-defined]


def user_caches_clear(user: AnyUser) -> None:
    """Forget the roles and PubSec membership cached on this user object (after a change)."""
    for attr in ("_psdesk_roles", "_psdesk_pubsec", "_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def access_policy_get() -> AccessPolicy:
    """The single access policy row (created with the defaults if an admin deleted it)."""
    policy = AccessPolicy.objects.first()
    return policy if policy is not None else AccessPolicy.objects.create()


@dataclass(frozen=True)
class MembershipReview:
    """One line of the recertification page."""

    user: User
    membership: PubSecMembership | None
    state: str  # "current", "due", "expired", "unrecorded" (the role without a recorded grant)
    expires_at: datetime | None


def pubsec_review_list() -> list[MembershipReview]:
    """Everyone holding the US PubSec role or a live membership, soonest expiry first: expired and
    unrecorded ones (no visibility until renewed) first, then those due within the policy's window."""
    now = clock.now()
    due_by = now + timedelta(days=access_policy_get().pubsec_review_warning_days)
    users = User.objects.filter(
        Q(groups__name=Role.US_PUBLIC_SECTOR)
        | Q(pubsec_membership__isnull=False, pubsec_membership__revoked_at__isnull=True)
    ).distinct()
    memberships = {
        m.user_id: m
        for m in PubSecMembership.objects.filter(user__in=users).select_related(
            "granted_by", "second_approver", "reviewed_by"
        )
    }
    rows: list[MembershipReview] = []
    for u in users.order_by("username"):
        m = memberships.get(u.pk)
        if m is None or m.revoked_at is not None:
            rows.append(MembershipReview(user=u, membership=m, state="unrecorded", expires_at=None))
            continue
        state = "expired" if m.expires_at <= now else ("due" if m.expires_at <= due_by else "current")
        rows.append(MembershipReview(user=u, membership=m, state=state, expires_at=m.expires_at))
    order = {"expired": 0, "unrecorded": 1, "due": 2, "current": 3}
    return sorted(rows, key=lambda r: (order[r.state], r.expires_at or now, r.user.username))


def role_labels(user: AnyUser | None) -> list[str]:
    """The user's roles by their display names ("Engagement Manager"), sorted."""
    return sorted(ROLE_LABELS.get(r, r) for r in user_roles(user))


def role_member_names(role: str, *, limit: int = 5) -> list[str]:
    """Full names (else usernames) of active members of a role, e.g. who grants access."""
    users = User.objects.filter(groups__name=role, is_active=True).order_by("username")[:limit]
    return [u.get_full_name() or u.username for u in users]
