"""REST endpoints for side-label moves, approvals and SLA state of one engagement. Mounted by
psdesk/board/api.py. Every endpoint first resolves the engagement the user may see (404 otherwise,
also for PubSec engagements to non-members)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus, decide_permission
from psdesk.approvals.models import ApprovalRequest
from psdesk.approvals.services import approval_decide
from psdesk.board.approval_state import engagement_approval_states, engagement_content_hash
from psdesk.board.selectors import engagement_get
from psdesk.board.services import engagement_approval_request
from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import NotFound, PermissionDenied
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor, AuthedRequest
from psdesk.engagements.labels import LABEL_WORKFLOWS, SCOPE_COLOURS, label_move, label_moves_available
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.sla.selectors import timers_for_target

label_router = Router(tags=["engagements"])


def _visible(request: AuthedRequest, engagement_id: int) -> Any:
    if not request.user.has_perm("engagements.view_engagement"):
        raise PermissionDenied("Your role may not do this.")
    return engagement_get(user=request.user, engagement_id=engagement_id)


# --- labels ------------------------------------------------------------------------------------
class LabelOut(Schema):
    name: str
    scope: str
    colour: str


class LabelMoveOption(Schema):
    scope: str
    action: str
    label: str
    target: str


class LabelsOut(Schema):
    labels: list[LabelOut]
    moves: list[LabelMoveOption]


class LabelMoveIn(Schema):
    scope: str = Field(..., max_length=50)
    action: str = Field(..., max_length=64)
    reason: str = Field("", max_length=2000)


def _labels(eng: Any, user: Actor) -> dict[str, Any]:
    rows = list(EngagementLabel.objects.filter(engagement=eng).order_by("scope", "name"))
    return {
        "labels": [{"name": r.name, "scope": r.scope, "colour": SCOPE_COLOURS.get(r.scope, "#888888")} for r in rows],
        "moves": label_moves_available(eng, user, {r.scope: r.name for r in rows if r.scope in LABEL_WORKFLOWS}),
    }


@label_router.get("/engagements/{engagement_id}/labels", response={200: LabelsOut, **errors(401, 403, 404)})
def get_labels(request: AuthedRequest, engagement_id: int) -> Any:
    """The card's labels (with scope colours) and the side-label moves you may make now."""
    eng = _visible(request, engagement_id)
    return _labels(eng, request.user)


@label_router.post(
    "/engagements/{engagement_id}/labels/moves", response={200: LabelsOut, **errors(400, 401, 403, 404, 409, 422)}
)
def move_label(request: AuthedRequest, engagement_id: int, payload: LabelMoveIn) -> Any:
    """Apply a side-label move (e.g. scope `RDM`, action `approve`). 400 unknown scope/action;
    403 your role may not; 409 not allowed from the current label (reason in `message`). A TA
    approves with the estimate version's review (`POST /api/v1/estimates/versions/{id}/reviews`)."""
    permission_require(request.user, "engagements.view_engagement")
    label_move(
        engagement_id=engagement_id,
        scope=payload.scope,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
    )
    eng = engagement_get(user=request.user, engagement_id=engagement_id)
    return _labels(eng, request.user)


# --- approvals ---------------------------------------------------------------------------------
class ApprovalStateOut(Schema):
    kind: str
    label: str
    state: str
    request_id: int | None
    content_hash: str | None


class ApprovalsOut(Schema):
    content_hash: str
    approvals: list[ApprovalStateOut]


class ApprovalRequestIn(Schema):
    kind: str = Field(..., max_length=20)
    note: str = Field("", max_length=5000)


class ApprovalRequestOut(Schema):
    id: int
    kind: str
    status: str
    content_hash: str
    requester_id: int
    created_at: datetime


class DecisionIn(Schema):
    approve: bool
    content_hash: str = Field(..., min_length=1, max_length=64)
    comment: str = Field("", max_length=5000)


class DecisionOut(Schema):
    id: int
    request_id: int
    approve: bool
    content_hash: str
    decided_at: datetime
    engagement_state: str


def _approvals(eng: Any) -> dict[str, Any]:
    h = engagement_content_hash(eng)
    return {"content_hash": h, "approvals": engagement_approval_states(eng, h)}


@label_router.get("/engagements/{engagement_id}/approvals", response={200: ApprovalsOut, **errors(401, 403, 404)})
def get_approvals(request: AuthedRequest, engagement_id: int) -> Any:
    """The current content hash and, per kind, whether it is approved on it, pending, rejected,
    stale (approved on an older hash) or not requested."""
    return _approvals(_visible(request, engagement_id))


@label_router.post(
    "/engagements/{engagement_id}/approvals",
    response={201: ApprovalRequestOut, **errors(400, 401, 403, 404, 409, 422)},
)
def request_approval(request: AuthedRequest, engagement_id: int, payload: ApprovalRequestIn) -> Any:
    """Request an approval of the engagement's current content. 422 unknown kind; 403 your role
    may not request approvals."""
    eng = _visible(request, engagement_id)
    req = engagement_approval_request(engagement=eng, kind=payload.kind, requester=request.user, note=payload.note)
    return Status(201, req)


@label_router.post(
    "/engagements/{engagement_id}/approvals/{request_id}/decision",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 409, 422)},
)
def decide_approval(request: AuthedRequest, engagement_id: int, request_id: int, payload: DecisionIn) -> Any:
    """Approve or reject, on the content hash you reviewed. 403 without the kind's permission or
    on your own request; 409 when the content changed (stale hash) or already decided."""
    eng = _visible(request, engagement_id)
    if not ApprovalRequest.objects.for_target(eng).filter(pk=request_id).exists():
        raise NotFound(f"approval request {request_id} not found")
    decision = approval_decide(
        request_id=request_id,
        decider=request.user,
        approve=payload.approve,
        content_hash=payload.content_hash,
        comment=payload.comment,
        current_hash=engagement_content_hash(eng),
    )
    eng.refresh_from_db(fields=["state"])
    return {
        "id": decision.pk,
        "request_id": request_id,
        "approve": decision.approve,
        "content_hash": decision.content_hash,
        "decided_at": decision.decided_at,
        "engagement_state": eng.state,
    }


class PendingOut(Schema):
    id: int
    kind: str
    engagement_id: int
    engagement_title: str
    content_hash: str
    requester: str
    note: str
    created_at: datetime


class PendingParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


@label_router.get("/approvals/pending", response={200: list[PendingOut], **errors(401, 403, 422)})
def pending_approvals(request: AuthedRequest, params: Query[PendingParams]) -> Any:
    """Your approval inbox: pending requests of the kinds you may decide, on engagements you may
    see, oldest first (never your own requests)."""
    user = request.user
    kinds = [k for k in ApprovalKind.values if user.has_perm(decide_permission(k))]
    if not kinds:
        raise PermissionDenied("Your role decides no approvals.")
    visible = Engagement.objects.visible_to(user).values("pk")
    ct = ContentType.objects.get_for_model(Engagement)
    qs = (
        ApprovalRequest.objects.filter(
            target_type=ct, target_id__in=visible, kind__in=kinds, status=ApprovalStatus.PENDING
        )
        .exclude(requester_id=user.pk)
        .select_related("requester")
        .order_by("created_at", "id")[params.offset : params.offset + params.limit]
    )
    rows = list(qs)
    titles = dict(Engagement.objects.filter(pk__in=[r.target_id for r in rows]).values_list("pk", "title"))
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "engagement_id": r.target_id,
            "engagement_title": titles.get(r.target_id, ""),
            "content_hash": r.content_hash,
            "requester": r.requester.get_username(),
            "note": r.note,
            "created_at": r.created_at,
        }
        for r in rows
    ]


# --- SLA ---------------------------------------------------------------------------------------
class TimerOut(Schema):
    id: int
    policy_key: str
    policy_name: str
    unit: str
    state: str
    status: str
    outcome: str
    started_at: datetime
    due_at: datetime | None
    hours_left: float


@label_router.get("/engagements/{engagement_id}/sla", response={200: list[TimerOut], **errors(401, 403, 404)})
def get_sla(request: AuthedRequest, engagement_id: int, include_stopped: bool = False) -> Any:
    """The engagement's SLA timers with business hours left (negative when overdue)."""
    eng = _visible(request, engagement_id)
    return timers_for_target(eng, include_stopped=include_stopped)
