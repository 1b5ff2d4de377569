"""The profile page: your roles and personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from psdesk.accounts.models import ApiToken
from psdesk.accounts.roles import ROLE_LABELS
from psdesk.accounts.selectors import user_roles
from psdesk.accounts.services import token_create, token_revoke
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
        new_token = token_create(user=user, name=name)
    roles = [ROLE_LABELS.get(r, r) for r in sorted(user_roles(user))]
    tokens = ApiToken.objects.filter(user=user, revoked=False).order_by("-created_at")
    return render(request, "accounts/profile.html", {"roles": roles, "tokens": tokens, "new_token": new_token})
