"""Applying board moves. Every caller (drag-and-drop, keyboard, the card drawer, REST, CLI, the
system reactions in `opportunity_close.py`) uses `engagement_transition`; its after-move effects are
listed where it calls `transition_apply`.

Also the approval writes of the board: requesting a PS Leadership / Revenue / Legal approval of the
engagement's current content, and the automatic system move Ready For Approval → Approved, made
exactly once when both final approvals hold on the current content hash.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.db import transaction

from psdesk.approvals.choices import DECIDER_LABELS, ApprovalKind, decide_permission
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.services import approval_decide, approval_request
from psdesk.audit.transitions import Applied, transition_apply, transition_apply_to_state
from psdesk.board.approval_state import (
    FINAL_KINDS,
    LABEL_OR_ESTIMATE_KINDS,
    approval_sequence_refusal,
    engagement_content_hash,
    final_approvals_missing,
)
from psdesk.board.effects import notify_board_moved, sla_after_move
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import Move, MoveContext
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import estimate_margin_flag
from psdesk.sows.services.common import sow_stamp_request_on_approval


def _before_save(eng: Any, move: Move, source: str, target: str) -> dict[str, Any]:
    now = clock.now()
    extra: dict[str, Any] = {"state_changed_at": now, "last_activity_at": now}
    if target == EngagementStatus.ON_HOLD:
        extra["state_before_hold"] = source
    elif source == EngagementStatus.ON_HOLD:
        extra["state_before_hold"] = ""
    return extra


def engagement_transition(
    *,
    engagement_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    expected_version: int | None = None,
    system: bool = False,
    data: dict[str, Any] | None = None,
) -> Applied:
    """Move one engagement. Raises BadRequest (unknown action), NotFound (absent or not visible),
    Conflict (stale version) or TransitionNotAllowed (guard refused, with the reason).

    Effects, in the move's transaction: `board.moved` notification, SLA timers, Legal told when the
    card reaches Approved (`sow.awaiting_stamp`), and, for a card entering Ready For Approval whose
    final approvals already hold, the automatic move to Approved right after commit."""
    qs = Engagement.objects.all() if system else Engagement.objects.visible_to(actor)
    return transition_apply(
        workflow=ENGAGEMENT_WORKFLOW,
        queryset=qs.select_related("account", "opportunity", "em"),
        pk=engagement_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data=data,
        system=system,
        before_save=_before_save,
        after=[notify_board_moved, sla_after_move, approve_when_final_approvals_hold, sow_stamp_request_on_approval],
    )


def engagement_move_to_column(
    *, engagement_id: int, target_state: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Applied:
    """Drag-and-drop: find the move from the card's column to `target_state` and apply it."""
    return transition_apply_to_state(
        workflow=ENGAGEMENT_WORKFLOW,
        queryset=Engagement.objects.visible_to(actor),
        pk=engagement_id,
        target=target_state,
        target_noun="column",
        apply=lambda action: engagement_transition(
            engagement_id=engagement_id, action=action, actor=actor, reason=reason, expected_version=expected_version
        ),
    )


# --- approvals ---------------------------------------------------------------------------------
def engagement_approval_request(
    *, engagement: Engagement, kind: str, requester: Actor, note: str = ""
) -> ApprovalRequest:
    """Request a `kind` approval of the engagement's current content (its content hash). A PS
    Leadership request carries the low-margin flag in its note, so leadership is told when asked
    (a below-target margin is flagged, never blocked).

    Approvals read as a sequence: PS Leadership and Revenue are asked for in Ready For Approval
    (earlier only when the board policy allows early approvals), a Legal stamp once the card is
    Approved; out of sequence raises Conflict (409, code `out_of_sequence`) with the reason and
    writes nothing. TA and RDM reviews are not approval requests (their records are the estimate's
    TA review and the `RDM::` label, see `approval_state.py`): asking for one raises
    ValidationFailed saying where."""
    if kind in LABEL_OR_ESTIMATE_KINDS:
        where = (
            "a TA reviews the estimate version (sharing one above the threshold asks for it)"
            if kind == ApprovalKind.TA_REVIEW
            else "ask with the RDM label move 'request_review' (RDM::needs-review)"
        )
        raise ValidationFailed(f"{ApprovalKind(kind).label} of an engagement is not an approval request: {where}.")
    if kind not in ApprovalKind.values:
        raise ValidationFailed(f"Unknown approval kind '{kind}'.", details={"field": "kind"})
    if not requester.has_perm("approvals.request_approval"):
        raise PermissionDenied("Your role may not request approvals.")
    with transaction.atomic():
        # The card as it is now (the caller's object may be stale), locked against a racing move.
        card = Engagement.objects.select_for_update(of=("self",)).get(pk=engagement.pk)
        refusal = approval_sequence_refusal(card, kind)
        if refusal is not None:
            raise Conflict(refusal, code="out_of_sequence", details={"kind": kind, "state": card.state})
        if kind == ApprovalKind.PS_LEADERSHIP:
            flag = estimate_margin_flag(card)
            if flag is not None:
                note = f"{note}\n{flag}".strip()
        return approval_request(
            kind=kind, target=card, content_hash=engagement_content_hash(card), requester=requester, note=note
        )


def engagement_approval_decide(
    *, engagement_id: int, request_id: int, decider: Actor, approve: bool, content_hash: str, comment: str = ""
) -> ApprovalDecision:
    """Decide an approval request on a card the decider may see, in sequence: the card row is
    locked first, then a PS Leadership or Revenue decision is refused (Conflict 409,
    `out_of_sequence`) unless the card is in Ready For Approval (or an earlier open column when the
    board policy allows early approvals). The decision keeps the card's column, so an early one is
    shown as early. The approvals service checks the role, self-approval and the hash.

    Raises NotFound (card not visible, or the request is not this card's), PermissionDenied,
    Conflict. Nothing is written on refusal. Effect: the second final approval on the current hash
    of a card in Ready For Approval moves it to Approved (`approve_when_decided`)."""
    with transaction.atomic():
        eng = Engagement.objects.visible_to(decider).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        req = ApprovalRequest.objects.for_target(eng).filter(pk=request_id).first()
        if req is None:
            raise NotFound(f"approval request {request_id} not found")
        if not decider.has_perm(decide_permission(req.kind)):
            raise PermissionDenied(f"Only {DECIDER_LABELS[req.kind]} may decide a {req.get_kind_display()}.")
        refusal = approval_sequence_refusal(eng, req.kind)
        if refusal is not None:
            raise Conflict(refusal, code="out_of_sequence", details={"kind": req.kind, "state": eng.state})
        return approval_decide(
            request_id=req.pk,
            decider=decider,
            approve=approve,
            content_hash=content_hash,
            comment=comment,
            target_state=eng.state,
            current_hash=engagement_content_hash(eng),
        )


def engagement_approve_when_complete(*, engagement_id: int, content_hash: str | None = None) -> bool:
    """Lock the card; if it is in Ready For Approval with both final approvals on its current hash
    (and, when given, that hash is `content_hash`), make the system move to Approved (audited once).
    Returns whether it moved."""
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


def approve_when_final_approvals_hold(applied: Applied, ctx: MoveContext) -> None:
    """After-move effect: a card re-entering Ready For Approval (sent back, then resubmitted without
    a content change) whose final approvals still hold moves on to Approved right after commit."""
    if applied.target != EngagementStatus.READY_FOR_APPROVAL or final_approvals_missing(applied.obj):
        return
    engagement_id = applied.obj.pk

    def approve_after_commit() -> None:
        with suppress(TransitionNotAllowed, Conflict):  # someone else moved it first: nothing to do
            engagement_approve_when_complete(engagement_id=engagement_id)

    transaction.on_commit(approve_after_commit)


def return_to_sow_wip_when_declined(sow: Any, reason: str) -> None:
    """After-decline effect (registered with `sows.services.register_after_decline`): the customer
    declined the released SOW, so its Approved card goes back to SOW WIP with the reason, inside the
    decline's transaction."""
    eng = Engagement.objects.filter(pk=sow.engagement_id).only("state").first()
    if eng is None or eng.state != EngagementStatus.APPROVED:
        return
    engagement_transition(
        engagement_id=eng.pk,
        action="signature_declined",
        actor=None,
        system=True,
        reason=f"Customer declined: {reason}",
    )


def approve_when_decided(req: ApprovalRequest, decision: ApprovalDecision) -> None:
    """After-decision effect (registered with `approvals.register_after_decision`): when the second
    final approval lands on the current hash of an engagement in Ready For Approval, move it to
    Approved, inside the decision's transaction.

    The engagement row is locked before the approvals are counted, so two approvers deciding at
    the same moment serialise: the second one sees the first's approval and makes the move; the
    first found one missing and did nothing."""
    if not decision.approve or req.kind not in FINAL_KINDS:
        return
    if req.target_type.model_class() is not Engagement:
        return
    engagement_approve_when_complete(engagement_id=req.target_id, content_hash=req.content_hash)
