"""The engagement: the scoping issue `<Customer> - Scope Issue and Write SOW`, a card on the board.

`state` is written only by the transition service (psdesk.board.services.engagement_transition);
`version` increments with every write that must not be silently overwritten (optimistic concurrency).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from psdesk.core import clock
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.querysets import EngagementQuerySet


class Engagement(models.Model):
    title = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="engagements")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    em = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements_as_em",
        verbose_name="engagement manager",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    state = models.CharField(max_length=32, choices=EngagementStatus.choices, default=EngagementStatus.OPEN)
    state_before_hold = models.CharField(max_length=32, choices=EngagementStatus.choices, blank=True)
    state_changed_at = models.DateTimeField(default=clock.now)
    created_at = models.DateTimeField(default=clock.now)
    last_activity_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["state_changed_at", "id"]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["em", "state"]),
        ]
        permissions = [
            ("move_engagement", "Move engagements on the board"),
            ("send_back_engagement", "Send an engagement back from Ready For Approval"),
            ("close_engagement", "Close engagements won or lost"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def segment(self) -> str:
        return self.account.segment
