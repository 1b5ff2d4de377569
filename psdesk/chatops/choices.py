from __future__ import annotations

from django.db import models


class InteractionKind(models.TextChoices):
    COMMAND = "command", "Slash command"
    BLOCK_ACTION = "block_action", "Button click"
    VIEW_SUBMISSION = "view_submission", "Dialog submitted"


class InteractionStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ANSWERED = "answered", "Answered"
    FAILED = "failed", "Failed"


class LinkedVia(models.TextChoices):
    EMAIL = "email", "Verified email"
    PROFILE = "profile", "Linked on the profile page"
