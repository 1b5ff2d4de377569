"""Board policy and the "no activity → suggest Closed Lost" suggestions (docs/process.md, The approval board)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from psdesk.core import clock
from psdesk.engagements.models import Engagement


class BoardPolicy(models.Model):
    """One row, admin-editable."""

    stale_days = models.PositiveIntegerField(
        default=60, help_text="an open card without activity this many days is suggested for Closed Lost"
    )

    class Meta:
        verbose_name_plural = "board policy"
        constraints = [models.CheckConstraint(condition=models.Q(stale_days__gte=1), name="board_stale_days_positive")]

    def __str__(self) -> str:
        return f"suggest Closed Lost after {self.stale_days} days without activity"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed (closed lost)"
    DISMISSED = "dismissed", "Dismissed (still active)"


class ClosedLostSuggestion(models.Model):
    """The daily sweep suggests closing a quiet card lost; its EM confirms or dismisses it."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="closed_lost_suggestions")
    suggested_at = models.DateTimeField(default=clock.now)
    idle_since = models.DateTimeField()
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-suggested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"], condition=models.Q(status="open"), name="one_open_suggestion_per_card"
            )
        ]

    def __str__(self) -> str:
        return f"Closed Lost suggested for {self.engagement}"
