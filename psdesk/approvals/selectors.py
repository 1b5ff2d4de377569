"""Reads on approvals. The caller has checked the user may see the target."""

from __future__ import annotations

from django.db import models

from psdesk.approvals.choices import ApprovalStatus
from psdesk.approvals.models import ApprovalRequest


def approvals_current(target: models.Model, content_hash: str) -> dict[str, ApprovalRequest]:
    """kind → the approved request for exactly `content_hash`. Approvals on any other hash do not
    count (the content changed since)."""
    qs = (
        ApprovalRequest.objects.for_target(target)
        .filter(status=ApprovalStatus.APPROVED, content_hash=content_hash)
        .order_by("decided_at", "id")
    )
    return {r.kind: r for r in qs}


def approval_list(target: models.Model) -> list[ApprovalRequest]:
    """Every request on the target with its decisions, newest first."""
    return list(
        ApprovalRequest.objects.for_target(target)
        .select_related("requester")
        .prefetch_related("decisions__decider")
        .order_by("-created_at", "-id")
    )


def approval_pending_get(target: models.Model, kind: str) -> ApprovalRequest | None:
    return ApprovalRequest.objects.for_target(target).filter(kind=kind, status=ApprovalStatus.PENDING).first()
