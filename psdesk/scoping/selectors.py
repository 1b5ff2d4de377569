"""Reads for scoping: questionnaires, the SSOT table, the draft estimate, EM candidates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import user_has_role
from psdesk.core.errors import ValidationFailed
from psdesk.core.types import Actor
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.scoping.answers import answer_typed, is_answered
from psdesk.scoping.effort import DraftLine, EffortResult, RulesError, effort_run
from psdesk.scoping.models import Question, ServiceType, SsotRow, TerritoryEngagementManager
from psdesk.scoping.rules import rules_active


def service_type_list(*, active_only: bool = True) -> QuerySet[ServiceType]:
    qs = ServiceType.objects.prefetch_related("questions")
    return qs.filter(active=True) if active_only else qs


def questions_for(*, service_types: list[str]) -> list[Question]:
    """Questions of the chosen service types, in the order of the types then their position."""
    order = {k: i for i, k in enumerate(service_types)}
    qs = Question.objects.select_related("service_type").filter(service_type__key__in=service_types)
    return sorted(qs, key=lambda q: (order[q.service_type.key], q.position, q.pk))


def ssot_rows(*, engagement: Engagement | int) -> list[SsotRow]:
    eng_id = engagement if isinstance(engagement, int) else engagement.pk
    return list(SsotRow.objects.filter(engagement_id=eng_id).order_by("position", "id"))


def engagement_service_types(rows: list[SsotRow]) -> list[str]:
    return list(dict.fromkeys(r.service_type for r in rows))


def answers_of(rows: list[SsotRow]) -> dict[str, dict[str, Any]]:
    """Typed answers for the effort model (unanswered rows are left out)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        value = answer_typed(answer_type=r.answer_type, stored=r.response)
        if value is not None:
            out.setdefault(r.service_type, {})[r.key] = value
    return out


def draft_estimate_for_rows(rows: list[SsotRow]) -> EffortResult:
    """Raises ValidationFailed (code effort_rules_invalid) only when no valid rules were ever loaded."""
    try:
        rules = rules_active()
    except RulesError as exc:
        raise ValidationFailed(
            f"The effort rules are invalid and no previous rules are loaded: {exc}",
            code="effort_rules_invalid",
            details={"file": exc.source, "line": exc.line, "reason": exc.reason},
        ) from None
    types = [t for t in engagement_service_types(rows) if t in rules.service_types]
    return effort_run(rules=rules, service_types=types, answers=answers_of(rows))


def draft_estimate(*, engagement: Engagement | int) -> EffortResult:
    """Run the effort model over the engagement's current SSOT answers."""
    return draft_estimate_for_rows(ssot_rows(engagement=engagement))


def draft_estimate_lines(*, engagement: Engagement | int) -> list[DraftLine]:
    """The draft estimate lines of an engagement, each with its provenance (for estimates).
    An engagement without an SSOT table (not created by the calculator) has no lines."""
    return list(draft_estimate(engagement=engagement).lines)


def ssot_missing_required(*, engagement: Engagement | int) -> list[str]:
    """Texts of the required SSOT rows still "to-do", in table order."""
    eng_id = engagement if isinstance(engagement, int) else engagement.pk
    rows = SsotRow.objects.filter(engagement_id=eng_id, required=True).order_by("position", "id")
    return [r.text for r in rows.only("text", "response") if not is_answered(r.response)]


def ssot_can_edit(*, user: Actor, engagement: Engagement) -> bool:
    """The account team (account owner, opportunity owner, requester) and the EM may edit the SSOT
    table; so may PS Ops. Visibility (PubSec) is checked by the caller's queryset."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.has_perm("scoping.change_ssotrow"):
        return False
    if user.is_superuser or user_has_role(user, Role.PS_OPS_MANAGER):
        return True
    team = {engagement.em_id, engagement.created_by_id, engagement.account.owner_id}
    if engagement.opportunity_id and engagement.opportunity is not None:
        team.add(engagement.opportunity.owner_id)
    return user.pk in team


def em_candidate(*, account: Any) -> Any:
    """The EM for a new request on `account`: among the territory's mapped EMs the one with the
    fewest open engagements (ties → lowest username); without mappings the territory's EM; None
    when the account has no territory."""
    territory = account.territory if account.territory_id else None
    if territory is None:
        return None
    mapped = TerritoryEngagementManager.objects.filter(
        territory=territory, active=True, engagement_manager__is_active=True
    )
    ids = list(mapped.values_list("engagement_manager_id", flat=True))
    if not ids:
        return territory.engagement_manager
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .annotate(open_count=Count("engagements_as_em", filter=~Q(engagements_as_em__state__in=CLOSED_STATES)))
        .order_by("open_count", "username")
    )
    return users.first()
