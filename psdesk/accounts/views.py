"""The person's own pages: My work (what waits on them), the profile (roles, API tokens), the 403
page, which keeps the navigation and says who grants access, and the PS Ops recertification page
of US PubSec memberships."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from psdesk.accounts.models import ApiToken
from psdesk.accounts.my_work import my_work_groups
from psdesk.accounts.profile_sections import profile_sections
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import access_policy_get, pubsec_review_list, role_labels, role_member_names
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
    roles = role_labels(user)
    tokens = ApiToken.objects.filter(user=user, revoked=False).order_by("-created_at")
    ctx = {"roles": roles, "tokens": tokens, "new_token": new_token, "sections": profile_sections(request, user)}
    return render(request, "accounts/profile.html", ctx)


@require_http_methods(["GET"])
def my_work(request: AuthedRequest) -> HttpResponse:
    """Where everyone lands after login: each kind of work waiting on them, with a count."""
    groups = my_work_groups(user=request.user)
    groups.sort(key=lambda g: g.count == 0)  # work first, then the kinds with nothing waiting
    return render(
        request,
        "accounts/my_work.html",
        {"groups": groups, "total": sum(g.count for g in groups), "roles": role_labels(request.user)},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: JSON on /api/, else the page with the navigation, what was refused and who to
    ask (the PS Ops Managers, who grant roles)."""
    message = str(exception or "") or "Your role may not open this page."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "forbidden", "message": message, "details": {}}, status=403)
    ctx: dict[str, Any] = {
        "message": message,
        "granters": role_member_names(Role.PS_OPS_MANAGER),
        "roles": role_labels(getattr(request, "user", None)),
    }
    return render(request, "403.html", ctx, status=403)


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
