"""Engagement pages that are not the board: changing the opportunity an engagement belongs to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.engagements.services import engagement_opportunity_link


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@require_POST
@permission_required("engagements.link_opportunity", raise_exception=True)
def opportunity_link(request: AuthedRequest) -> HttpResponse:
    """Link the engagement `engagement_id` to the opportunity `opportunity_id` (empty: unlink);
    back to the page the form was on (the card, the opportunity page)."""
    engagement_id = _int(request.POST.get("engagement_id")) or 0
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("board:detail", args=[engagement_id]) if engagement_id else reverse("board:index")
    try:
        eng = engagement_opportunity_link(
            engagement_id=engagement_id,
            opportunity_id=_int(request.POST.get("opportunity_id")),
            actor=request.user,
            expected_version=_int(request.POST.get("version")),
        )
    except DomainError as exc:
        messages.error(request, f"Opportunity: {exc.message}")
        return redirect(back)
    if eng.opportunity is not None:
        messages.success(request, f"{eng.title} now belongs to {eng.opportunity.name}.")
    else:
        messages.success(request, f"{eng.title} is no longer linked to an opportunity.")
    return redirect(back)
