"""Writes on approvals. Callers (the board, SOWs, quotes) check that the user may see the target;
these services check who may request and decide.

    req = approval_request(kind="ps_leadership", target=eng, content_hash=h, requester=erin)
    approval_decide(request_id=req.pk, decider=leo, approve=True, content_hash=h)

Apps above this one react to decisions with `register_after_decision(hook)`; hooks run inside the
decision's transaction (the board moves Ready For Approval → Approved from one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from psdesk.approvals.choices import DECIDER_LABELS, ApprovalKind, ApprovalStatus, decide_permission
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.types import Actor
from psdesk.notifications import services as notifications

AfterDecision = Callable[[ApprovalRequest, ApprovalDecision], None]
AFTER_DECISION_HOOKS: list[AfterDecision] = []


def register_after_decision(hook: AfterDecision) -> None:
    if hook not in AFTER_DECISION_HOOKS:
        AFTER_DECISION_HOOKS.append(hook)


def _notify(event: str, target: models.Model, actor: Actor, context: dict[str, Any], recipients: list[Any]) -> None:
    notifications.notify(event=event, target=target, actor=actor, context=context, recipients=recipients)


def _deciders(kind: str) -> list[Any]:
    """Everyone whose role may decide `kind` (PubSec routing later drops non-members)."""
    return list(
        User.objects.filter(
            is_active=True,
            groups__permissions__codename=f"decide_{kind}",
            groups__permissions__content_type__app_label="approvals",
        ).distinct()
    )


def _check_hash(content_hash: str) -> str:
    content_hash = (content_hash or "").strip()
    if not content_hash or len(content_hash) > 64:
        raise ValidationFailed("A content hash (1-64 characters) is required.", details={"field": "content_hash"})
    return content_hash


def approval_request(
    *, kind: str, target: models.Model, content_hash: str, requester: Any, note: str = ""
) -> ApprovalRequest:
    """Ask for a `kind` approval of `content_hash` of `target` (audited; notifies deciders).

    Idempotent: an open request of the same kind on the same hash is returned as is. Open
    requests of this kind on another hash are superseded. Raises ValidationFailed (unknown kind,
    missing hash) or PermissionDenied (the requester may not request approvals)."""
    if kind not in ApprovalKind.values:
        raise ValidationFailed(f"Unknown approval kind '{kind}'.", details={"field": "kind"})
    content_hash = _check_hash(content_hash)
    if not requester.has_perm("approvals.request_approval"):
        raise PermissionDenied("Your role may not request approvals.")
    ct = ContentType.objects.get_for_model(type(target))
    with transaction.atomic():
        existing = (
            ApprovalRequest.objects.select_for_update(of=("self",))
            .filter(target_type=ct, target_id=target.pk, kind=kind, status=ApprovalStatus.PENDING)
            .first()
        )
        if existing is not None and existing.content_hash == content_hash:
            return existing
        _supersede(ct=ct, target=target, content_hash=content_hash, actor=requester, kinds=[kind])
        try:
            with transaction.atomic():
                req = ApprovalRequest.objects.create(
                    kind=kind,
                    target_type=ct,
                    target_id=target.pk,
                    content_hash=content_hash,
                    requester=requester,
                    note=note,
                    created_at=clock.now(),
                )
        except IntegrityError:  # a concurrent identical request won
            raise Conflict("The same approval was just requested; reload.", code="stale") from None
        audit_record(
            verb="approvals.requested",
            actor=requester,
            target=target,
            after={"request": req.pk, "kind": kind, "content_hash": content_hash},
            reason=note,
        )
        _notify(
            "approval.requested", target, requester, {"kind": req.get_kind_display(), "note": note}, _deciders(kind)
        )
    return req


def approval_decide(
    *,
    request_id: int,
    decider: Any,
    approve: bool,
    content_hash: str,
    comment: str = "",
    target_state: str = "",
    current_hash: str | None = None,
) -> ApprovalDecision:
    """Record a decision on a pending request (audited; notifies the requester; runs the
    after-decision hooks in the same transaction). `target_state` is the target's workflow state
    as the caller saw it under its lock (kept on the decision: the board shows early approvals).

    `current_hash` is the target's content hash now, as the caller that owns the target computes it;
    a request made on another hash is outdated, and a decision on it would not count.

    Raises NotFound (no such request), PermissionDenied (no `decide_<kind>` permission, or the
    decider requested it), Conflict 409 `stale_hash` (superseded, `content_hash` is not the hash the
    request is for, or the request's hash is not `current_hash`: the content changed since), Conflict
    409 `already_decided`. Nothing is written on refusal."""
    content_hash = _check_hash(content_hash)
    with transaction.atomic():
        req = (
            ApprovalRequest.objects.select_for_update(of=("self",))
            .select_related("target_type")
            .filter(pk=request_id)
            .first()
        )
        if req is None:
            raise NotFound(f"approval request {request_id} not found")
        if not decider.has_perm(decide_permission(req.kind)):
            raise PermissionDenied(f"Only {DECIDER_LABELS[req.kind]} may decide a {req.get_kind_display()}.")
        if req.requester_id == decider.pk:
            raise PermissionDenied("You requested this approval; someone else must decide it.")
        outdated = current_hash is not None and req.content_hash != current_hash
        if req.status == ApprovalStatus.SUPERSEDED or req.content_hash != content_hash or outdated:
            details = {"request_hash": req.content_hash, "given_hash": content_hash, "status": req.status}
            if current_hash is not None:
                details["current_hash"] = current_hash
            raise Conflict(
                "The content changed since this approval was requested; review the current version.",
                code="stale_hash",
                details=details,
            )
        if req.status != ApprovalStatus.PENDING:
            raise Conflict(f"This request is already {req.get_status_display().lower()}.", code="already_decided")
        now = clock.now()
        status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        updated = ApprovalRequest.objects.filter(pk=req.pk, status=ApprovalStatus.PENDING).update(
            status=status, decided_at=now
        )
        if updated != 1:
            raise Conflict("Someone decided this request just now; reload.", code="already_decided")
        req.status, req.decided_at = status, now
        decision = ApprovalDecision.objects.create(
            request=req,
            decider=decider,
            approve=approve,
            content_hash=content_hash,
            comment=comment,
            decided_at=now,
            target_state=target_state[:40],
        )
        target = req.target_type.get_object_for_this_type(pk=req.target_id)
        audit_record(
            verb="approvals.decided",
            actor=decider,
            target=target,
            before={"request": req.pk, "status": ApprovalStatus.PENDING},
            after={
                "request": req.pk,
                "kind": req.kind,
                "status": status,
                "content_hash": content_hash,
                **({"target_state": target_state} if target_state else {}),
            },
            reason=comment,
        )
        _notify(
            "approval.decided",
            target,
            decider,
            {"kind": req.get_kind_display(), "decision": status, "comment": comment},
            [req.requester],
        )
        for hook in AFTER_DECISION_HOOKS:
            hook(req, decision)
    return decision


def _supersede(
    *, ct: ContentType, target: models.Model, content_hash: str, actor: Actor | None, kinds: list[str] | None = None
) -> int:
    qs = ApprovalRequest.objects.filter(
        target_type=ct, target_id=target.pk, status__in=[ApprovalStatus.PENDING, ApprovalStatus.APPROVED]
    ).exclude(content_hash=content_hash)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return 0
    ApprovalRequest.objects.filter(pk__in=ids).update(status=ApprovalStatus.SUPERSEDED)
    audit_record(
        verb="approvals.superseded",
        actor=actor,
        target=target,
        after={"requests": ids, "current_hash": content_hash},
    )
    return len(ids)


def approvals_invalidate(*, target: models.Model, content_hash: str, actor: Actor | None = None) -> int:
    """The target's content is now `content_hash`: supersede every pending or approved request
    made on another hash (audited once). Returns how many were superseded. Call it whenever the
    approved thing changes (a new SOW version, an edited quote)."""
    ct = ContentType.objects.get_for_model(type(target))
    with transaction.atomic():
        return _supersede(ct=ct, target=target, content_hash=_check_hash(content_hash), actor=actor)
