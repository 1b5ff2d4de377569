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
