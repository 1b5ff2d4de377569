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


class CustomerEpic(models.Model):
    """The customer's engagement group (GitLab epic): every engagement of one account hangs here."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="epic")
    title = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.title


class Engagement(models.Model):
    title = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="engagements")
    epic = models.ForeignKey(CustomerEpic, null=True, blank=True, on_delete=models.PROTECT, related_name="engagements")
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


class EngagementLabel(models.Model):
    """A label on an engagement, GitLab style. A scoped label `Scope::Value` excludes every other
    label of the same scope (one `TA::` label at a time); unscoped labels (`Services Calculator`)
    have an empty scope. Written only through `engagement_label_set/remove` (audited)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["scope", "name"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="label_once_per_engagement"),
            models.UniqueConstraint(
                fields=["engagement", "scope"], condition=~models.Q(scope=""), name="one_label_per_scope"
            ),
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


def label_scope(name: str) -> str:
    """`TA::Needs-Review` → `TA`; `Services Calculator` → ``."""
    return name.split("::", 1)[0] if "::" in name else ""
