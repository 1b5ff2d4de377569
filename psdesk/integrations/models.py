"""Inbound webhook events, recorded once per (source, event id) so a replay has no second effect."""

from __future__ import annotations

from django.db import models

from psdesk.core import clock


class InboundStatus(models.TextChoices):
    PROCESSED = "processed", "Processed"
    UNHANDLED = "unhandled", "Recorded, no handler registered"


class InboundEvent(models.Model):
    """One verified inbound webhook event. `status=unhandled` means no app registered a handler for
    its kind yet (see psdesk/integrations/inbound.py); the event is kept for a later replay."""

    source = models.CharField(max_length=32)
    event_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=InboundStatus.choices)
    result = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="inbound_event_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id} {self.kind}"


class ChatPost(models.Model):
    """Slack's de-duplication record, one per outbox message (its idempotency key): written before
    the post, `ts` stored as soon as Slack answers. A retry of a message whose `ts` is known edits
    that message (`chat.update`) instead of posting a second one."""

    idempotency_key = models.CharField(max_length=128, unique=True)
    channel = models.CharField(max_length=255, help_text="The channel as Slack named it in its answer")
    ts = models.CharField(max_length=32, blank=True, help_text="Slack's message timestamp (its id)")
    started_at = models.DateTimeField(default=clock.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.channel} {self.ts or '(posting)'}"
