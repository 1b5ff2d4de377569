"""Training choice classes (docs/process.md, Training)."""

from __future__ import annotations

from django.db import models


class RequestKind(models.TextChoices):
    TRAINER = "trainer", "Trainer request (team)"
    AUDIT = "audit", "Audit request (individual)"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    TASKS_COMPLETE = "tasks_complete", "Requestor tasks complete"
    PLANNING = "planning", "Planning"
    SCHEDULED = "scheduled", "Scheduled"
    DELIVERED = "delivered", "Delivered"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


PRE_DELIVERY = (
    RequestStatus.REQUESTED,
    RequestStatus.TASKS_COMPLETE,
    RequestStatus.PLANNING,
    RequestStatus.SCHEDULED,
)


class DeliveryMode(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "Onsite"


class SessionAudience(models.TextChoices):
    CUSTOMER = "customer", "Customer-facing"
    INTERNAL = "internal", "Internal only"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"


class ManagerDecision(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
