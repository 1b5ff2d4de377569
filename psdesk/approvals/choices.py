from __future__ import annotations

from django.db import models


class ApprovalKind(models.TextChoices):
    """What is being approved; each kind has its own decide permission (`approvals.decide_<kind>`)."""

    TA_REVIEW = "ta_review", "TA review"
    RDM_REVIEW = "rdm_review", "RDM review"
    PS_LEADERSHIP = "ps_leadership", "PS Leadership approval"
    REVENUE = "revenue", "Revenue approval"
    LEGAL_STAMP = "legal_stamp", "Legal stamp"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded (content changed)"


# who decides each kind (for messages; the permission is what is checked)
DECIDER_LABELS: dict[str, str] = {
    ApprovalKind.TA_REVIEW: "a Technical Architect",
    ApprovalKind.RDM_REVIEW: "a Regional Delivery Manager",
    ApprovalKind.PS_LEADERSHIP: "PS Leadership",
    ApprovalKind.REVENUE: "Revenue / Deal Desk",
    ApprovalKind.LEGAL_STAMP: "Legal",
}


def decide_permission(kind: str) -> str:
    return f"approvals.decide_{kind}"
