"""REST endpoints for engagements and board moves."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictInt

from psdesk.board.closed_lost_suggestions import closed_lost_suggestion_decide
from psdesk.board.metrics import board_cycle_times
from psdesk.board.models import ClosedLostSuggestion
from psdesk.board.selectors import (
    BoardFilters,
    available_moves,
    board_state_counts,
    engagement_get,
    engagement_list,
)
from psdesk.board.services import engagement_transition
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core.api import MAX_LIMIT, cursor_decode, cursor_encode, errors
from psdesk.core.errors import BadRequest, NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.services import engagement_create

router = Router(tags=["engagements"])


class AccountRef(Schema):
    id: int
    name: str
    segment: str
    us_public_sector: bool


class UserRef(Schema):
    id: int
    username: str


class EngagementOut(Schema):
    id: int
    title: str
    account: AccountRef
    opportunity_id: int | None
    em: UserRef | None
    state: str
    state_label: str
    version: int
    created_at: datetime
    state_changed_at: datetime

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return ENGAGEMENT_WORKFLOW.states[obj.state]


class EngagementPage(Schema):
    count: int | None = Field(
        description="How many engagements match the filters (all pages). Without filters, or with "
        "`state` only, it comes from the maintained per-state counts and costs the same at any size. "
        "With `em`, `segment`, `mine` or `q` it is counted on the first page and on `offset` pages, and "
        "is null on pages reached by `cursor` (the first page gave it; counting again would read every "
        "matching row on every page)."
    )
    items: list[EngagementOut]
    next: str | None = Field(
        None,
        description="The next page: this list's URL with `cursor` set after the last item (keyset "
        "pagination; null on the last page). Follow it as given.",
    )


class EngagementListParams(Schema):
    state: str | None = None
    em: int | None = None
    segment: str | None = None
    mine: bool = False
    q: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Page size (1-200).")
    offset: int = Field(
        0,
        ge=0,
        le=10_000_000,
        description="Rows to skip (kept for compatibility; `cursor` from `next` is cheaper on long lists).",
    )
    cursor: str | None = Field(
        None,
        max_length=200,
        description="Opaque position from a previous page's `next`: the page starts after it. "
        "When given, `offset` is ignored. It belongs to the filters of the list that gave it: with "
        "other filters, or when it is not one this list gave out, the answer is 400 naming `cursor`.",
    )


class EngagementIn(Schema):
    account_id: int
    title: str = Field("", max_length=255)
    opportunity_id: int | None = None
    em_id: int | None = None
    description: str = Field("", max_length=20_000)


class MoveOption(Schema):
    action: str
    label: str
    needs_reason: bool
    refusal: str | None


class EngagementDetail(EngagementOut):
    moves: list[MoveOption]


class EngagementTransitionIn(Schema):
    action: str = Field(..., max_length=64)
    reason: str = Field("", max_length=5000)
    expected_version: StrictInt | None = None


@router.get("/engagements", response={200: EngagementPage, **errors(400, 401, 403, 422)})
def list_engagements(request: AuthedRequest, params: Query[EngagementListParams]) -> Any:
    """Engagements you may see (PubSec ones only for PubSec members), oldest state change first.

    Pages: follow `next` — a keyset cursor, so every page costs the same however deep it is.
    `limit` with `offset` is kept for compatibility (the database still reads the skipped rows).
    `count` is read from maintained per-state counts without filters or with `state` only; with
    other filters it is counted on the first page and null on cursor pages. 400 naming `cursor`
    for a cursor from another list (other filters) or one this list never gave out; 422 for an
    unknown `state` or an out-of-range `limit`/`offset`."""
    permission_require(request.user, "engagements.view_engagement")
    if params.state and params.state not in ENGAGEMENT_WORKFLOW.states:
        raise ValidationFailed(f"Unknown state '{params.state}'.", details={"field": "state"})
    qs = engagement_list(
        user=request.user,
        filters=BoardFilters(em=params.em, segment=params.segment or "", mine=params.mine, q=params.q or ""),
    )
    if params.state:
        qs = qs.filter(state=params.state)
    if params.cursor:
        after_at, after_id = _cursor_read(params)
        total = _list_count(request.user, params, qs, first_page=False)
        page = qs.for_board().order_by("state_changed_at", "id")
        page = page.filter(Q(state_changed_at__gt=after_at) | Q(state_changed_at=after_at, id__gt=after_id))
        items = list(page[: params.limit + 1])
    else:
        total = _list_count(request.user, params, qs, first_page=True)
        page = qs.for_board().order_by("state_changed_at", "id")
        items = list(page[params.offset : params.offset + params.limit + 1])
    more, items = len(items) > params.limit, items[: params.limit]
    nxt = None
    if more:
        query = request.GET.copy()
        query.pop("offset", None)
        query["cursor"] = _cursor_write(params, items[-1])
        nxt = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"count": total, "items": items, "next": nxt}


def _list_filters_only_state(params: EngagementListParams) -> bool:
    return not (params.em or params.segment or params.mine or params.q)


def _list_count(user: Any, params: EngagementListParams, qs: Any, *, first_page: bool) -> int | None:
    """Without filters (or with `state` only) from the maintained per-state counts (one read of a
    dozen rows, whatever the number of engagements); filtered, a count of the matching rows on the
    first page only (None on cursor pages)."""
    if not _list_filters_only_state(params):
        return int(qs.count()) if first_page else None
    counts = board_state_counts(user=user)
    return counts.get(params.state, 0) if params.state else sum(counts.values())


def _list_fingerprint(params: EngagementListParams) -> str:
    """Eight hex digits naming the list's filters, so a cursor is only accepted by its own list."""
    key = json.dumps([params.state, params.em, params.segment or "", params.mine, params.q or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _cursor_write(params: EngagementListParams, last: Any) -> str:
    return f"{cursor_encode(last.state_changed_at, last.pk)}.{_list_fingerprint(params)}"


def _cursor_read(params: EngagementListParams) -> tuple[datetime, int]:
    """The position in `cursor`; 400 naming `cursor` when it is not one of this list's."""
    position, _, fingerprint = (params.cursor or "").rpartition(".")
    if not position:
        raise BadRequest("The cursor is not one this list gave out.", details={"field": "cursor"})
    if fingerprint != _list_fingerprint(params):
        raise BadRequest(
            "The cursor belongs to a list with other filters (state, em, segment, mine, q); "
            "start again from the first page.",
            details={"field": "cursor"},
        )
    return cursor_decode(position)


@router.get("/engagements/{engagement_id}", response={200: EngagementDetail, **errors(401, 403, 404)})
def get_engagement(request: AuthedRequest, engagement_id: int) -> Any:
    permission_require(request.user, "engagements.view_engagement")
    eng = engagement_get(user=request.user, engagement_id=engagement_id)
    eng.moves = available_moves(eng, request.user)  # type: ignore[attr-defined]
    return eng


@router.post("/engagements", response={201: EngagementOut, **errors(400, 401, 403, 404, 422)})
def create_engagement(request: AuthedRequest, payload: EngagementIn) -> Any:
    """Create an engagement in `open` (normally the Services Calculator does this)."""
    permission_require(request.user, "engagements.add_engagement")
    account = Account.objects.visible_to(request.user).filter(pk=payload.account_id).first()
    if account is None:
        raise NotFound(f"account {payload.account_id} not found")
    opp = None
    if payload.opportunity_id is not None:
        opp = Opportunity.objects.visible_to(request.user).filter(pk=payload.opportunity_id).first()
        if opp is None:
            raise NotFound(f"opportunity {payload.opportunity_id} not found")
    em = None
    if payload.em_id is not None:
        em = User.objects.filter(pk=payload.em_id, groups__name="engagement_manager").first()
        if em is None:
            raise ValidationFailed(f"user {payload.em_id} is not an engagement manager", details={"field": "em_id"})
    eng = engagement_create(
        account=account,
        actor=request.user,
        title=payload.title,
        opportunity=opp,
        em=em,
        description=payload.description,
    )
    return Status(201, engagement_get(user=request.user, engagement_id=eng.pk))


@router.post(
    "/engagements/{engagement_id}/transitions",
    response={200: EngagementOut, **errors(400, 401, 403, 404, 409, 422)},
)
def transition_engagement(request: AuthedRequest, engagement_id: int, payload: EngagementTransitionIn) -> Any:
    """Apply a board move. 400 unknown action; 404 not visible; 409 refused (reason in `message`)
    or stale `expected_version`."""
    permission_require(request.user, "engagements.view_engagement")
    engagement_transition(
        engagement_id=engagement_id,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return engagement_get(user=request.user, engagement_id=engagement_id)


from psdesk.board.label_api import label_router  # noqa: E402  side labels, approvals, SLA

router.add_router("", label_router)


class ColumnCycleOut(Schema):
    state: str
    label: str
    samples: int
    median_days: float | None
    p80_days: float | None
    wip: int
    wip_median_age_days: float | None


class MetricsParams(Schema):
    days: int = Field(90, ge=1, le=730)


@router.get("/board/metrics", response={200: list[ColumnCycleOut], **errors(401, 403, 422)})
def board_metrics(request: AuthedRequest, params: Query[MetricsParams]) -> Any:
    """Cycle time per column over the last `days` (median and P80, business days) and WIP ageing."""
    permission_require(request.user, "engagements.view_engagement")
    return board_cycle_times(user=request.user, days=params.days)


class SuggestionOut(Schema):
    id: int
    engagement_id: int
    suggested_at: datetime
    idle_since: datetime
    status: str


class SuggestionDecisionIn(Schema):
    confirm: bool
    reason: str = Field("", max_length=2000)


@router.get("/board/closed-lost-suggestions", response={200: list[SuggestionOut], **errors(401, 403)})
def list_suggestions(request: AuthedRequest) -> Any:
    """Open "no activity → Closed Lost?" suggestions on cards you may see."""
    permission_require(request.user, "engagements.view_engagement")
    visible = engagement_list(user=request.user, filters=BoardFilters())
    return list(ClosedLostSuggestion.objects.filter(status="open", engagement__in=visible)[:200])


@router.post(
    "/board/closed-lost-suggestions/{suggestion_id}/decision",
    response={200: SuggestionOut, **errors(401, 403, 404, 409, 422)},
)
def decide_suggestion(request: AuthedRequest, suggestion_id: int, payload: SuggestionDecisionIn) -> Any:
    """Confirm (the card closes lost) or dismiss (still active). 409 when already decided."""
    return closed_lost_suggestion_decide(
        suggestion_id=suggestion_id, actor=request.user, confirm=payload.confirm, reason=payload.reason
    )
