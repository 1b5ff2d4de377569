"""Board pages. Thin: parse input, call selectors/services, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.approvals.choices import ApprovalKind
from psdesk.approvals.services import approval_decide
from psdesk.audit.models import AuditEvent
from psdesk.board.approval_state import engagement_approval_states, engagement_content_hash
from psdesk.board.closed_lost_suggestions import closed_lost_suggestion_decide
from psdesk.board.metrics import board_cycle_times
from psdesk.board.models import ClosedLostSuggestion
from psdesk.board.selectors import BoardFilters, available_moves, board_columns, engagement_get
from psdesk.board.services import engagement_approval_request, engagement_move_to_column, engagement_transition
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.crm.choices import Segment
from psdesk.engagements.labels import label_move, label_moves_available
from psdesk.engagements.models import EngagementLabel
from psdesk.estimates.choices import ReviewDecision
from psdesk.estimates.services import REVIEW, estimate_review_record
from psdesk.scoping.models import ServiceType


def _filters(request: AuthedRequest) -> BoardFilters:
    em = request.GET.get("em", "")
    return BoardFilters(
        em=int(em) if em.isdigit() else None,
        segment=request.GET.get("segment", "") if request.GET.get("segment", "") in Segment.values else "",
        mine=request.GET.get("mine") == "1",
        q=request.GET.get("q", "")[:100],
        label=request.GET.get("label", "")[:100],
        service_type=request.GET.get("service_type", "")[:64],
        at_risk=request.GET.get("at_risk") == "1",
        pubsec=request.GET.get("pubsec") == "1",
    )


def _detail_prefix() -> str:
    # Reversed once per page instead of once per card (hundreds of cards on a busy board).
    return reverse("board:detail", args=[0])[: -len("0/")]


@permission_required("engagements.view_engagement", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    filters = _filters(request)
    columns = board_columns(user=request.user, filters=filters)
    ctx: dict[str, Any] = {
        "columns": columns,
        "filters": filters,
        "segments": Segment.choices,
        "service_types": ServiceType.objects.order_by("name").values_list("key", "name"),
        "label_names": EngagementLabel.objects.order_by("name").values_list("name", flat=True).distinct(),
        "ems": User.objects.filter(groups__name="engagement_manager").order_by("username").only("id", "username"),
        "can_move": request.user.has_perm("engagements.move_engagement"),
        "is_pubsec": user_is_pubsec(request.user),
        "detail_prefix": _detail_prefix(),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board-columns":
        return render(request, "board/_columns.html", ctx)
    return render(request, "board/index.html", ctx)


@permission_required("engagements.view_engagement", raise_exception=True)
def detail(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    try:
        eng = engagement_get(user=request.user, engagement_id=engagement_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    timeline = AuditEvent.objects.for_target(eng).select_related("actor").order_by("-seq")[:100]
    ctx = {
        "eng": eng,
        "moves": available_moves(eng, request.user),
        "timeline": timeline,
        "labels": eng.labels.all(),
        "label_moves": label_moves_available(eng, request.user),
        "approvals": engagement_approval_states(eng),
        "can_request": request.user.has_perm("approvals.request_approval"),
        "suggestion": ClosedLostSuggestion.objects.filter(engagement=eng, status="open").first(),
        "decidable": [k for k in ApprovalKind.values if request.user.has_perm(f"approvals.decide_{k}")],
        "can_ta_review": request.user.has_perm(REVIEW),
    }
    template = "board/_drawer.html" if request.headers.get("HX-Request") else "board/detail.html"
    return render(request, template, ctx)


def _back_to_card(request: AuthedRequest, engagement_id: int, apply: Callable[[], object]) -> HttpResponse:
    """Run one service call from the card drawer; a refusal comes back as a message on the card page."""
    try:
        apply()
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("board:detail", engagement_id=engagement_id)


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def label_move_post(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """A side-label move (`scope`, `action`, optional `reason`) from the drawer or the Approvals panel."""
    return _back_to_card(
        request,
        engagement_id,
        lambda: label_move(
            engagement_id=engagement_id,
            scope=request.POST.get("scope", ""),
            action=request.POST.get("action", ""),
            actor=request.user,
            reason=request.POST.get("reason", "")[:2000],
        ),
    )


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def ta_review_approve(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """A TA approves the estimate version the card's TA review is about (`version_id`)."""
    version_raw = request.POST.get("version_id", "")
    return _back_to_card(
        request,
        engagement_id,
        lambda: estimate_review_record(
            version_id=int(version_raw) if version_raw.isdigit() else 0,
            actor=request.user,
            decision=ReviewDecision.APPROVED,
            comment=request.POST.get("comment", "")[:2000],
        ),
    )


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def approval_request_post(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """Request an approval (`kind`, optional `note`) of the card's current content."""
    return _back_to_card(
        request,
        engagement_id,
        lambda: engagement_approval_request(
            engagement=engagement_get(user=request.user, engagement_id=engagement_id),
            kind=request.POST.get("kind", ""),
            requester=request.user,
            note=request.POST.get("note", "")[:2000],
        ),
    )


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def approval_decide_post(request: AuthedRequest, engagement_id: int, request_id: int) -> HttpResponse:
    """Approve or reject (`decision`) a pending request, on the `content_hash` the decider saw."""

    def decide() -> object:
        eng = engagement_get(user=request.user, engagement_id=engagement_id)  # the decider must see the card
        current = engagement_content_hash(eng)
        return approval_decide(
            request_id=request_id,
            decider=request.user,
            approve=request.POST.get("decision") == "approve",
            content_hash=request.POST.get("content_hash", "") or current,
            comment=request.POST.get("comment", "")[:2000],
            current_hash=current,
        )

    return _back_to_card(request, engagement_id, decide)


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def closed_lost_confirm(request: AuthedRequest, engagement_id: int, suggestion_id: int) -> HttpResponse:
    """Confirm a Closed Lost suggestion: the card closes lost."""
    return _back_to_card(
        request,
        engagement_id,
        lambda: closed_lost_suggestion_decide(
            suggestion_id=suggestion_id, actor=request.user, confirm=True, reason=request.POST.get("reason", "")[:2000]
        ),
    )


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def closed_lost_dismiss(request: AuthedRequest, engagement_id: int, suggestion_id: int) -> HttpResponse:
    """Dismiss a Closed Lost suggestion: the card is still active."""
    return _back_to_card(
        request,
        engagement_id,
        lambda: closed_lost_suggestion_decide(
            suggestion_id=suggestion_id, actor=request.user, confirm=False, reason=request.POST.get("reason", "")[:2000]
        ),
    )


@require_POST
@permission_required("engagements.view_engagement", raise_exception=True)
def move(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """One endpoint for drag-and-drop, keyboard and the move menu. JSON in, JSON out:
    200 {ok, state, card_html}; 4xx {ok: false, code, message} shown inline on the card."""
    version_raw = request.POST.get("version", "")
    version = int(version_raw) if version_raw.isdigit() else None
    reason = request.POST.get("reason", "")[:5000]
    try:
        if request.POST.get("action"):
            applied = engagement_transition(
                engagement_id=engagement_id,
                action=request.POST["action"],
                actor=request.user,
                reason=reason,
                expected_version=version,
            )
        else:
            applied = engagement_move_to_column(
                engagement_id=engagement_id,
                target_state=request.POST.get("to", ""),
                actor=request.user,
                reason=reason,
                expected_version=version,
            )
    except DomainError as exc:
        return JsonResponse({"ok": False, "code": exc.code, "message": exc.message}, status=exc.status)
    eng = engagement_get(user=request.user, engagement_id=engagement_id)
    eng.age_days = 0  # type: ignore[attr-defined]
    html = render_to_string(
        "board/_card.html", {"eng": eng, "can_move": True, "detail_prefix": _detail_prefix()}, request=request
    )
    return JsonResponse({"ok": True, "state": applied.target, "source": applied.source, "card_html": html})


@permission_required("engagements.view_engagement", raise_exception=True)
def metrics(request: AuthedRequest) -> HttpResponse:
    """Cycle time per column over the last 90 days (median and P80 business days) and WIP ageing."""
    rows = board_cycle_times(user=request.user)
    scale = max([r.p80_days or 0 for r in rows] + [r.wip_median_age_days or 0 for r in rows] + [1.0])
    return render(request, "board/metrics.html", {"rows": rows, "scale": scale})
