from __future__ import annotations

from django.db import models


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Cancelled"


LIVE_STATES: tuple[str, ...] = (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.SIGNED)
