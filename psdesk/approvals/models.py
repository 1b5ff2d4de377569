"""Approval requests and decisions, generic over a target (content type + id) and the content hash
of exactly what is approved (an estimate version, a SOW version, a quote). An approval counts only
for the hash it was made on: when the target's content changes, approvals on the old hash stop
counting (and open requests on it are superseded)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.core import clock


class ApprovalRequestQuerySet(models.QuerySet["ApprovalRequest"]):
    def for_target(self, target: models.Model) -> ApprovalRequestQuerySet:
        ct = ContentType.objects.get_for_model(type(target))
        return self.filter(target_type=ct, target_id=target.pk)


class ApprovalRequest(models.Model):
    """A request for one kind of approval of `content_hash` of the target. Decided once
    (pending → approved/rejected) by someone holding `approvals.decide_<kind>` who is not the
    requester; superseded when the target's content changes. Written only by approvals.services."""

    kind = models.CharField(max_length=20, choices=ApprovalKind.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField()
    content_hash = models.CharField(max_length=64)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "kind", "content_hash"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_kind_and_hash",
            )
        ]
        permissions = [
            ("request_approval", "Request approvals"),
            ("decide_ta_review", "Decide TA reviews"),
            ("decide_rdm_review", "Decide RDM reviews"),
            ("decide_ps_leadership", "Decide PS Leadership approvals"),
            ("decide_revenue", "Decide Revenue approvals"),
            ("decide_legal_stamp", "Decide Legal stamps"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ApprovalDecision(models.Model):
    """One decision on a request, on the hash the decider saw, and the state the target was in.
    Append-only."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="decisions")
    decider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    content_hash = models.CharField(max_length=64)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=clock.now)
    target_state = models.CharField(
        max_length=40,
        blank=True,
        help_text="the target's workflow state when decided, as the deciding app reported it (a board "
        "column), so an approval made before its step can be shown as early",
    )

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{'approved' if self.approve else 'rejected'} {self.request}"
