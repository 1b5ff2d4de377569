"""Board policy and the "no activity → suggest Closed Lost" suggestions (docs/process.md, The approval board)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from psdesk.core import clock
from psdesk.engagements.models import Engagement


class BoardPolicy(models.Model):
    """One row, admin-editable: the quiet-card sweep and whether the final approvals may come early."""

    stale_days = models.PositiveIntegerField(
        default=60, help_text="an open card without activity this many days is suggested for Closed Lost"
    )
    allow_early_final_approvals = models.BooleanField(
        default=False,
        help_text="let PS Leadership and Revenue be asked and decide before the card reaches Ready For "
        "Approval (the card then says so, and Submit for approval moves it on to Approved automatically); "
        "off: they approve only in Ready For Approval",
    )

    class Meta:
        verbose_name_plural = "board policy"
        constraints = [models.CheckConstraint(condition=models.Q(stale_days__gte=1), name="board_stale_days_positive")]

    def __str__(self) -> str:
        early = "early final approvals allowed" if self.allow_early_final_approvals else "final approvals in sequence"
        return f"suggest Closed Lost after {self.stale_days} days without activity; {early}"


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
