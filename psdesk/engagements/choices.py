from __future__ import annotations

from django.db import models


class EngagementStatus(models.TextChoices):
    """The columns of the SOW Proposal Approval Board, labelled as GitLab shows them."""

    OPEN = "open", "Open"
    AWAITING_DISCOVERY = "awaiting_discovery", "proposal::Awaiting_Discovery"
    STRAWMAN_WIP = "strawman_wip", "proposal::Strawman_WIP"
    ESTIMATE_FEEDBACK = "estimate_feedback", "proposal::Estimate_Feedback"
    SOW_WIP = "sow_wip", "proposal::SOW_WIP"
    READY_FOR_APPROVAL = "ready_for_approval", "proposal::Ready For Approval"
    APPROVED = "approved", "proposal::Approved"
    ON_HOLD = "on_hold", "proposal::On_hold"
    CLOSED_WON = "closed_won", "proposal::Closed_Won"
    CLOSED_LOST = "closed_lost", "proposal::Closed_Lost"


OPEN_STATES: tuple[str, ...] = (
    EngagementStatus.OPEN,
    EngagementStatus.AWAITING_DISCOVERY,
    EngagementStatus.STRAWMAN_WIP,
    EngagementStatus.ESTIMATE_FEEDBACK,
    EngagementStatus.SOW_WIP,
    EngagementStatus.READY_FOR_APPROVAL,
    EngagementStatus.APPROVED,
)
CLOSED_STATES: tuple[str, ...] = (EngagementStatus.CLOSED_WON, EngagementStatus.CLOSED_LOST)


class DeliveryMode(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "Onsite"
    HYBRID = "hybrid", "Remote and onsite"
    UNKNOWN = "unknown", "Not known yet"


class PricingModel(models.TextChoices):
    FIXED_FEE = "fixed_fee", "Fixed fee"
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    UNKNOWN = "unknown", "Not decided yet"
