"""Shared type names.

`Actor` is the person who makes a change (a signed-in user); services that the system may also call
(sweeps, the worker) take `actor: Actor | None`. `AuthedRequest` is a request whose user has signed
in — every page behind `login_required` and every token-authenticated API call — so views can pass
`request.user` to services typed with `Actor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    class AuthedRequest(HttpRequest):
        user: User

else:
    AuthedRequest = HttpRequest

type Actor = User
# Reads that also answer for nobody (an anonymous request, a system job) take `AnyUser | None`.
type AnyUser = User | AnonymousUser


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in user of a request that the admin or `login_required` has already authenticated."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user
