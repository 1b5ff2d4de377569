"""The customer's page behind the completion notice's signed link (/r/acceptance/<token>/): accept
the milestone, or report a material non-conformity with a reason. No login: the signed,
single-use, expiring link is the credential."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from psdesk.core.errors import DomainError, NotFound
from psdesk.delivery import selectors, services
from psdesk.sows.selectors import policy_get as sow_policy_get


def _gone(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/error.html", {"message": "This link is not valid (expired, used or unknown)."}, status=404
    )


@require_http_methods(["GET", "POST"])
def acceptance(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = selectors.acceptance_link_resolve(token)
    except NotFound:
        return _gone(request)
    m = link.milestone
    error, done = "", ""
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "accept":
                services.milestone_accept_by_link(token=token, name=request.POST.get("name", ""))
                done = "accepted"
            else:
                services.milestone_nonconformity_report(
                    token=token, name=request.POST.get("name", ""), reason=request.POST.get("reason", "")
                )
                done = "reported"
        except NotFound:
            return _gone(request)
        except DomainError as exc:
            error = exc.message
        m.refresh_from_db()
    ctx = {
        "m": m,
        "project": m.project,
        "activities": m.activities.all(),
        "sent_to": link.sent_to,
        "error": error,
        "done": done,
        "vendor": sow_policy_get().vendor_name,
    }
    return render(request, "delivery/public_acceptance.html", ctx, status=422 if error else 200)
