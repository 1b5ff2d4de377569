"""Reads for scoping: questionnaires, the SSOT table, the draft estimate, EM candidates, and the Ask
PS questions with their answers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import user_has_role, user_is_pubsec
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.scoping.answers import answer_typed, is_answered
from psdesk.scoping.choices import AccessRequestStatus
from psdesk.scoping.effort import DraftLine, EffortResult, RulesError, effort_run
from psdesk.scoping.models import (
    AskPsRequest,
    PubSecAccessRequest,
    Question,
    ServiceType,
    SsotRow,
    TerritoryEngagementManager,
)
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


# --- My work providers (registered from ScopingConfig.ready) -----------------------------------


def _excerpt(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def my_work_questions_to_answer(user: Actor) -> WorkGroup | None:
    """Ask PS questions still waiting on `user` (`ask_ps_to_answer`: routed to them, or general ones
    for those who may answer; PubSec ones only for members), oldest first, each linking to the
    question page where it is answered (two queries)."""
    if not user.has_perm(ANSWER) and not user_has_role(user, Role.ENGAGEMENT_MANAGER):
        return None
    qs = ask_ps_to_answer(user)
    asks = list(qs[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="questions_to_answer",
        title="Ask PS questions to answer",
        count=qs.count(),
        items=[
            WorkItem(
                title=a.subject,
                url=a.get_absolute_url(),
                since=a.created_at,
                note=f"{a.asker.get_full_name() or a.asker.username}"
                f"{' about ' + a.account.name if a.account else ''} · {a.get_route_display()}: {_excerpt(a.body)}",
            )
            for a in asks
        ],
        empty_text="No Ask PS question waits for you.",
    )


def my_work_my_questions(user: Actor) -> WorkGroup | None:
    """Anyone who may ask PS: their own questions (`ask_ps_questions_of`), newest first, with where
    each was sent and the latest answer, if any (three queries); left out until they asked one."""
    if not user.has_perm("scoping.add_askpsrequest"):
        return None
    qs = ask_ps_questions_of(user).order_by("-created_at", "-id")
    count = qs.count()
    if not count:
        return None
    items = []
    for a in qs[:ITEMS_PER_GROUP]:
        answers = list(a.answers.all())
        if answers:
            last = answers[-1]
            note = f"answered by {last.author.get_full_name() or last.author.username}: {_excerpt(last.body)}"
        else:
            where = a.routed_to.get_full_name() if a.routed_to else a.get_route_display()
            note = f"sent to {where}, not answered yet: {_excerpt(a.body)}"
        items.append(WorkItem(title=a.subject, url=a.get_absolute_url(), since=a.created_at, note=note))
    return WorkGroup(key="my_questions", title="Your questions to PS", count=count, items=items)


def my_work_pubsec_access_requests(user: Actor) -> WorkGroup | None:
    """PS Ops: pending US PubSec access requests, oldest first (two queries)."""
    if not user.has_perm("accounts.grant_pubsec"):
        return None
    qs = PubSecAccessRequest.objects.filter(status=AccessRequestStatus.PENDING)
    reqs = list(qs.select_related("user").order_by("created_at", "id")[:ITEMS_PER_GROUP])
    url = reverse("scoping:pubsec_requests")
    return WorkGroup(
        key="pubsec_access_requests",
        title="PubSec access requests to decide",
        count=qs.count(),
        items=[
            WorkItem(
                title=f"{r.user.get_full_name() or r.user.username} asks for US PubSec access",
                url=url,
                since=r.created_at,
                note=_excerpt(r.justification),
            )
            for r in reqs
        ],
        more_url=url,
        empty_text="No PubSec access request waits for a decision.",
    )


# ---------------------------------------------------------------------------------------------
# Ask PS

ANSWER = "scoping.add_askpsanswer"


def _ask_ps_rows() -> QuerySet[AskPsRequest]:
    return AskPsRequest.objects.select_related("asker", "account", "routed_to").prefetch_related("answers__author")


def ask_ps_visible(*, user: Actor) -> QuerySet[AskPsRequest]:
    """The questions `user` may read: their own, those routed to them, and — for those who may
    answer — every question, except questions about a US Public Sector account for non-members."""
    qs = _ask_ps_rows()
    if not user.has_perm(ANSWER):
        qs = qs.filter(Q(asker_id=user.pk) | Q(routed_to_id=user.pk))
    if not user_is_pubsec(user):
        qs = qs.exclude(account__us_public_sector=True)
    return qs


def ask_ps_get(*, user: Actor, request_id: int) -> AskPsRequest:
    """One question with its answers; NotFound when absent or not visible to `user`."""
    req = ask_ps_visible(user=user).filter(pk=request_id).first()
    if req is None:
        raise NotFound(f"question {request_id} not found")
    return req


def ask_ps_can_answer(*, user: Actor, request: AskPsRequest) -> bool:
    """The EM it was routed to, or anyone who may answer Ask PS questions."""
    return bool(user.pk) and (request.routed_to_id == user.pk or user.has_perm(ANSWER))


def ask_ps_questions_of(user: Actor) -> QuerySet[AskPsRequest]:
    """The questions `user` asked, newest first, each with its `answers` (author, body, time)
    prefetched — what the asker sees under My work."""
    return _ask_ps_rows().filter(asker_id=user.pk)


def ask_ps_to_answer(user: Actor) -> QuerySet[AskPsRequest]:
    """Unanswered questions waiting on `user`: routed to them, or — for those who may answer —
    general questions routed to the PS channel (PubSec ones only for members), oldest first."""
    qs = ask_ps_visible(user=user).filter(answers__isnull=True).exclude(asker_id=user.pk)
    waiting = Q(routed_to_id=user.pk)
    if user.has_perm(ANSWER):
        waiting |= Q(routed_to__isnull=True)
    return qs.filter(waiting).order_by("created_at", "id")
