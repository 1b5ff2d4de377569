from __future__ import annotations

from django.db import models


class MilestoneStatus(models.TextChoices):
    """A milestone's life after the SOW is executed (docs/process.md, Delivery after the signature)."""

    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_ACCEPTANCE = "awaiting_acceptance", "Awaiting customer acceptance"
    ACCEPTED = "accepted", "Accepted"


class AcceptanceKind(models.TextChoices):
    NONE = "", "-"
    EXPLICIT = "explicit", "Accepted by the customer"
    PASSIVE = "passive", "Passively accepted (no answer within the acceptance period)"


class MilestoneSource(models.TextChoices):
    SOW = "sow", "Executed SOW"
    CHANGE_ORDER = "change_order", "Change order"


class CloseOutKey(models.TextChoices):
    FINAL_REPORT = "final_report", "Final report sent to the customer"
    SATISFACTION = "satisfaction", "Customer satisfaction survey link sent"
    LESSONS = "lessons_learned", "Lessons learned recorded"


class ChangeOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_APPROVAL = "in_approval", "In approval"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent for signature"
    CUSTOMER_SIGNED = "customer_signed", "Signed by the customer (awaiting the countersignature)"
    EXECUTED = "executed", "Executed"
    REJECTED = "rejected", "Rejected"
    DECLINED = "declined", "Declined by the customer"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


CHANGE_ORDER_OPEN = (
    ChangeOrderStatus.DRAFT,
    ChangeOrderStatus.IN_APPROVAL,
    ChangeOrderStatus.APPROVED,
    ChangeOrderStatus.SENT,
    ChangeOrderStatus.CUSTOMER_SIGNED,
)
