"""Approvals on the board: Ready For Approval → Approved happens by itself, exactly once, when PS
Leadership and Revenue have both approved the engagement's *current* content hash (PRODUCT C7).

The content hash is an extension point: until SOWs exist it is a hash of the engagement's title
and description; the sows app registers a provider returning the current SOW version's hash with
`register_content_hash(fn)`. Approvals made on an older hash stop counting by themselves.

Also the board's SLA hook (`sla_after_move`): board moves are SLA events (`board.enter:<state>`,
`board.leave:<state>`), On hold pauses timers and resuming continues them, closing cancels them.

This module imports no board service at module level, so workflow.py may import its guard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.selectors import approvals_current
from psdesk.core.errors import Conflict, TransitionNotAllowed
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import CLOSED_STATES, EngagementStatus
from psdesk.engagements.models import Engagement

FINAL_KINDS: tuple[str, ...] = (ApprovalKind.PS_LEADERSHIP, ApprovalKind.REVENUE)

ContentHashProvider = Callable[[Engagement], "str | None"]
CONTENT_HASH_PROVIDERS: list[ContentHashProvider] = []


def register_content_hash(provider: ContentHashProvider) -> None:
    """Extension point: `provider(engagement)` returns the hash of what is approved (the current
    SOW version) or None to fall back. The last registered provider wins."""
    if provider not in CONTENT_HASH_PROVIDERS:
        CONTENT_HASH_PROVIDERS.append(provider)


def engagement_content_hash(eng: Engagement) -> str:
    for provider in reversed(CONTENT_HASH_PROVIDERS):
        h = provider(eng)
        if h:
            return h
    return hashlib.sha256(f"engagement:{eng.pk}\n{eng.title}\n{eng.description}".encode()).hexdigest()


def engagement_approval_request(
    *, engagement: Engagement, kind: str, requester: Any, note: str = ""
) -> ApprovalRequest:
    """Request a `kind` approval of the engagement's current content (its content hash). A PS
    Leadership request carries the low-margin flag in its note, so leadership is told when asked
    (PRODUCT C6: below-target margin is flagged, never blocked)."""
    from psdesk.approvals.services import approval_request
    from psdesk.estimates.selectors import estimate_margin_flag

    if kind == ApprovalKind.PS_LEADERSHIP:
        flag = estimate_margin_flag(engagement)
        if flag is not None:
            note = f"{note}\n{flag}".strip()
    return approval_request(
        kind=kind, target=engagement, content_hash=engagement_content_hash(engagement), requester=requester, note=note
    )


def final_approvals_missing(eng: Engagement, content_hash: str | None = None) -> list[str]:
    """The final kinds (PS Leadership, Revenue) not yet approved on the current hash."""
    current = approvals_current(eng, content_hash or engagement_content_hash(eng))
    return [k for k in FINAL_KINDS if k not in current]


def approvals_complete(eng: Any, ctx: MoveContext) -> str | None:
    """Guard of Ready For Approval → Approved: both final approvals on the current hash."""
    missing = final_approvals_missing(eng)
    if not missing:
        return None
    names = " and ".join(ApprovalKind(k).label for k in missing)
    return f"Waiting for {names} on the current content."


@dataclass(frozen=True)
class ApprovalState:
    """Per kind, as the card shows it: approved on the current hash, approved on an old hash
    (stale: the content changed), pending, rejected, or not requested."""

    kind: str
    label: str
    state: str  # approved | stale | pending | rejected | none
    request_id: int | None
    content_hash: str | None


def engagement_approval_states(eng: Engagement, content_hash: str | None = None) -> list[ApprovalState]:
    current_hash = content_hash or engagement_content_hash(eng)
    latest: dict[str, ApprovalRequest] = {}
    for req in ApprovalRequest.objects.for_target(eng).order_by("created_at", "id"):
        latest[req.kind] = req
    out = []
    for kind in ApprovalKind:
        r = latest.get(kind.value)
        if r is None:
            state = "none"
        elif r.content_hash != current_hash or r.status == ApprovalStatus.SUPERSEDED:
            state = "stale"
        else:
            state = {"approved": "approved", "pending": "pending", "rejected": "rejected"}[r.status]
        out.append(
            ApprovalState(
                kind=kind.value,
                label=kind.label,
                state=state,
                request_id=r.pk if r else None,
                content_hash=r.content_hash if r else None,
            )
        )
    return out


def approve_when_complete(req: ApprovalRequest, decision: ApprovalDecision) -> None:
    """After-decision hook: when the second final approval lands on the current hash of an
    engagement in Ready For Approval, move it to Approved (system move, audited once).

    The engagement row is locked before the approvals are counted, so two approvers deciding at
    the same moment serialise here: the second one sees the first's approval and makes the move;
    the first found one missing and did nothing."""
    if not decision.approve or req.kind not in FINAL_KINDS:
        return
    if req.target_type.model_class() is not Engagement:
        return
    _approve_if_complete(req.target_id, content_hash=req.content_hash)


def _approve_if_complete(engagement_id: int, *, content_hash: str | None = None) -> bool:
    """Lock the card; if it is in Ready For Approval with both final approvals on its current hash
    (and, when given, that hash is `content_hash`), make the system move. Returns whether it moved."""
    from psdesk.board.services import engagement_transition

    with transaction.atomic():
        eng = Engagement.objects.select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None or eng.state != EngagementStatus.READY_FOR_APPROVAL:
            return False
        current = engagement_content_hash(eng)
        if (content_hash is not None and content_hash != current) or final_approvals_missing(eng, current):
            return False
        engagement_transition(
            engagement_id=eng.pk,
            action="approve",
            actor=None,
            system=True,
            reason="PS Leadership and Revenue approved the current content",
        )
        return True


def approve_on_entry(applied: Any, ctx: MoveContext) -> None:
    """After-move hook: a card re-entering Ready For Approval (sent back, then resubmitted without
    a content change) whose final approvals still hold moves on to Approved right after commit."""
    if applied.target != EngagementStatus.READY_FOR_APPROVAL or final_approvals_missing(applied.obj):
        return
    engagement_id = applied.obj.pk

    def later() -> None:
        try:
            _approve_if_complete(engagement_id)
        except (TransitionNotAllowed, Conflict):  # someone else moved it first: nothing to do
            pass

    transaction.on_commit(later)


# --- SLA ---------------------------------------------------------------------------------------
def sla_after_move(applied: Any, ctx: MoveContext) -> None:
    """After-move hook: board moves drive the SLA timers (inside the move's transaction)."""
    from psdesk.sla.services import sla_event, timer_pause, timer_resume, timers_cancel

    eng, source, target = applied.obj, applied.source, applied.target
    if target == EngagementStatus.ON_HOLD:
        timer_pause(target=eng)
        return
    if source == EngagementStatus.ON_HOLD and target not in CLOSED_STATES:
        timer_resume(target=eng)  # back to the column it left: the paused timers continue
        return
    if target in CLOSED_STATES:
        timers_cancel(target=eng)
        return
    sla_event(event=f"board.leave:{source}", target=eng)
    sla_event(event=f"board.enter:{target}", target=eng)
