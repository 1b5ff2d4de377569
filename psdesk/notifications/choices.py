from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    DELIVERING = "delivering", "Delivering"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    PARKED = "parked", "Parked"
