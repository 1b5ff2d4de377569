from __future__ import annotations

from django.db import models


class PricingModel(models.TextChoices):
    """Fixed fee bills every hour at the list rate; T&M bills each role at its bill rate."""

    FIXED_FEE = "fixed_fee", "Fixed fee (list rate)"
    TIME_AND_MATERIALS = "tm", "Time & materials (role rates)"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SHARED = "shared", "Shared with customer"


class Delivery(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "Onsite"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class FeedbackKind(models.TextChoices):
    COMMENT = "comment", "Feedback"
    AGREEMENT = "agreement", "Agreed to price and scope"


ROLES: tuple[str, ...] = ("PSE", "PM", "TA", "Trainer", "EM")
MANUAL = "manual"
