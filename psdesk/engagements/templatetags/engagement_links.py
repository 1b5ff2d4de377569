"""Template tags that show and change the engagement ↔ opportunity link on pages of other apps
(the card drawer, the opportunity page) without those apps importing engagements."""

from __future__ import annotations

from typing import Any

from django import template

from psdesk.crm.choices import TERMINAL_STAGES, RecordType
from psdesk.crm.models import Opportunity
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement

register = template.Library()


def _may_link(user: Any) -> bool:
    return bool(user is not None and user.has_perm("engagements.link_opportunity"))


@register.inclusion_tag("engagements/_opportunity_link.html", takes_context=True)
def engagement_opportunity_form(context: Any, engagement: Engagement) -> dict[str, Any]:
    """The engagement's opportunity, and (with permission, while the engagement is open) a form to
    link it to another open PS-only opportunity of its account."""
    request = context.get("request")
    user = getattr(request, "user", None)
    editable = _may_link(user) and engagement.state not in CLOSED_STATES
    choices = (
        Opportunity.objects.visible_to(user)
        .filter(account_id=engagement.account_id, record_type=RecordType.PS_ONLY)
        .exclude(stage__in=TERMINAL_STAGES)
        .order_by("-created_at")
        if editable
        else Opportunity.objects.none()
    )
    return {
        "eng": engagement,
        "opportunity": engagement.opportunity,
        "editable": editable,
        "choices": choices,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("engagements/_opportunity_engagements.html", takes_context=True)
def opportunity_engagements(context: Any, opportunity: Opportunity) -> dict[str, Any]:
    """The engagements that belong to the opportunity, and (with permission, while the opportunity
    is open) a form to move another open engagement of the account onto it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = Engagement.objects.visible_to(user).select_related("em")
    linked = visible.filter(opportunity=opportunity).order_by("created_at", "id")
    editable = _may_link(user) and opportunity.stage not in TERMINAL_STAGES
    others = (
        visible.filter(account_id=opportunity.account_id)
        .exclude(state__in=CLOSED_STATES)
        .exclude(opportunity=opportunity)
        .select_related("opportunity")
        .order_by("created_at", "id")
        if editable
        else Engagement.objects.none()
    )
    return {
        "opp": opportunity,
        "linked": linked,
        "others": others,
        "editable": editable,
        "may_unlink": _may_link(user),
        "closed_states": CLOSED_STATES,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
