from __future__ import annotations

from django.db import models


class WeekStatus(models.TextChoices):
    """A consultant's week on one project (docs/howto/timesheets.md)."""

    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


# Weeks whose entries may no longer change: approved (locked) and submitted (waiting on the PM).
LOCKED_WEEK_STATES: tuple[str, ...] = (WeekStatus.SUBMITTED, WeekStatus.APPROVED)


class WorkAtRiskStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
