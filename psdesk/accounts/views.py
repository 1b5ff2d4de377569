"""The profile page (your roles and personal API tokens) and the PS Ops recertification page of
US PubSec memberships."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from psdesk.accounts.models import ApiToken
from psdesk.accounts.roles import ROLE_LABELS
from psdesk.accounts.selectors import access_policy_get, pubsec_review_list, user_roles
from psdesk.accounts.services import pubsec_membership_renew, pubsec_membership_revoke, token_create, token_revoke
from psdesk.core import clock
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest


@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    new_token = ""
    if request.method == "POST":
        if request.POST.get("revoke", "").isdigit():
            token_revoke(user=user, token_id=int(request.POST["revoke"]))
            messages.info(request, "Token revoked.")
            return redirect("accounts:profile")
        name = (request.POST.get("name") or "web").strip()[:100] or "web"
        days = request.POST.get("expires_in_days", "").strip()
        expires_at = clock.now() + timedelta(days=int(days)) if days.isdigit() and 0 < int(days) <= 3650 else None
        new_token = token_create(user=user, name=name, expires_at=expires_at)
    roles = [ROLE_LABELS.get(r, r) for r in sorted(user_roles(user))]
    tokens = ApiToken.objects.filter(user=user, revoked=False).order_by("-created_at")
    return render(request, "accounts/profile.html", {"roles": roles, "tokens": tokens, "new_token": new_token})


@permission_required("accounts.grant_pubsec", raise_exception=True)
def pubsec_review(request: AuthedRequest) -> HttpResponse:
    """PS Ops: every US PubSec membership with its expiry; expired, unrecorded and due ones first."""
    return render(
        request,
        "accounts/pubsec_review.html",
        {"rows": pubsec_review_list(), "policy": access_policy_get()},
    )


@require_POST
@permission_required("accounts.grant_pubsec", raise_exception=True)
def pubsec_renew(request: AuthedRequest, user_id: int) -> HttpResponse:
    """Recertify one membership for another policy period (audited)."""
    try:
        m = pubsec_membership_renew(user_id=user_id, actor=request.user, reason=request.POST.get("reason", "")[:2000])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Renewed {m.user.username} until {m.expires_at:%Y-%m-%d}.")
    return redirect("accounts:pubsec_review")


@require_POST
@permission_required("accounts.grant_pubsec", raise_exception=True)
def pubsec_revoke(request: AuthedRequest, user_id: int) -> HttpResponse:
    """End one membership now (audited; needs a reason)."""
    try:
        pubsec_membership_revoke(user_id=user_id, actor=request.user, reason=request.POST.get("reason", "")[:2000])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Membership revoked.")
    return redirect("accounts:pubsec_review")
