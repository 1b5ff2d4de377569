from __future__ import annotations

from django.db import models


class ProjectStatus(models.TextChoices):
    """Delivery project statuses (the PSA's; docs/process.md, Projects and the welcome email)."""

    PROSPECT = "prospect", "Prospect"
    IN_SET_UP = "in_set_up", "In Set Up"
    OKAY_TO_START = "okay_to_start", "Okay to Start"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On Hold"
    BACKLOG = "backlog", "Backlog"
    CLOSED = "closed", "Closed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PROJECT_STATES: tuple[str, ...] = (
    ProjectStatus.PROSPECT,
    ProjectStatus.IN_SET_UP,
    ProjectStatus.OKAY_TO_START,
    ProjectStatus.ACTIVE,
)


class ProjectKind(models.TextChoices):
    CONSULTING = "consulting", "Consulting"
    TRAINING = "training", "Training only"


class ContactRole(models.TextChoices):
    """The customer roles the welcome email asks for (docs/process.md, Projects and the welcome email)."""

    CHAMPION = "champion", "GitLab Champion"
    ADMINISTRATOR = "administrator", "Administrator"
    TECHNICAL_POC = "technical_poc", "Technical point of contact"
    STAKEHOLDER = "stakeholder", "Other stakeholder"


class ChecklistKey(models.TextChoices):
    REVIEW_SOW = "review_sow", "Review SOW / order form"
    CONTACTS = "contacts", "Customer contacts confirmed"
    BUDGET = "budget", "Budget set from the estimate or quote"
    MARGIN = "margin", "Target margin reviewed"
    RATE_CARD = "rate_card", "Rate card applied"
    TASKS = "tasks", "Tasks created from the estimate"
    RESOURCES = "resources", "Unnamed resources placed until staffed"
