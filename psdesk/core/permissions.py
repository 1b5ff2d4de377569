"""One permission check for services, API endpoints and views."""

from __future__ import annotations

from psdesk.core.errors import PermissionDenied
from psdesk.core.types import AnyUser


def permission_require(user: AnyUser | None, perm: str) -> None:
    """Refuse with 403 (`PermissionDenied`) unless `user`'s role grants `perm`."""
    if user is None or not user.has_perm(perm):
        raise PermissionDenied("Your role may not do this.")
