"""In-app notifications, preferences, editable templates, and the durable outbox.

Every external effect (email, chat message, CRM/PSA/issue/quote update) is an `OutboxMessage` row
written in the same transaction as the change that causes it; the worker delivers it after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models

from psdesk.core import clock
from psdesk.notifications.choices import Channel, OutboxStatus


class Notification(models.Model):
    """One in-app notification for one user. Unread while `read_at` is null."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A user's opt-out: `event` blank means every event on that channel."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    event = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "channel"], name="notif_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.event or '*'} {self.channel} {'on' if self.enabled else 'off'}"


class NotificationTemplate(models.Model):
    """Admin-edited template of one event on one channel (overrides the registry default).
    Django template syntax; for chat the body is the message text (Slack mrkdwn)."""

    event = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notif_template_unique")]

    def __str__(self) -> str:
        return f"{self.event} / {self.channel}"


class OutboxMessage(models.Model):
    """One external effect waiting for (or done with) delivery.

    `target` is the capability (chat, email, crm, psa, work_tracking, quotes); `operation` names the
    adapter call and `payload` its arguments. `idempotency_key` is sent to targets that support it so a
    redelivery after a crash never duplicates. The worker claims a row with a compare-and-set on
    `status` plus a short lease (`lease_until`, the target's `lease_seconds`), renews the lease while
    its call is in flight, and records the outcome of each message as soon as the target answers; a
    killed worker's message is claimed again once its lease runs out. `attempts` counts calls that
    failed or never came back (a 429 costs none: `throttled` counts those); `call_started_at` is when
    the latest call began.
    """

    target = models.CharField(max_length=32)
    operation = models.CharField(max_length=64, default="send")
    destination = models.CharField(max_length=255, blank=True)
    event = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=128, unique=True)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0, help_text="Calls answered 429 (they cost no attempt)")
    call_started_at = models.DateTimeField(null=True, blank=True, help_text="When the latest call began")
    next_attempt_at = models.DateTimeField(default=clock.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True, help_text="The target's id for the effect")
    pubsec = models.BooleanField(default=False)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    committed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["target", "status"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        permissions = [("view_outbox", "See the outbox ops page"), ("replay_outbox", "Replay parked outbox messages")]

    def __str__(self) -> str:
        return f"{self.target}:{self.operation} → {self.destination or '-'} ({self.status})"


class OutboxAttempt(models.Model):
    """One delivery attempt (the history behind "why didn't this sync")."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=16)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class TargetBudget(models.Model):
    """Per-target delivery policy: the rate budget (token bucket: `capacity` tokens, refilled at
    `refill_per_second`), retries (`max_attempts`, backoff), the pause after a 429 without
    Retry-After, and the claim lease (renewed every third of `lease_seconds` while a call is in
    flight, so a dead worker's messages are taken over within about that long).
    Editable in admin; seeded by the first delivery with `settings.PSDESK_OUTBOX_BUDGETS`."""

    target = models.CharField(max_length=32, unique=True)
    capacity = models.FloatField(default=50)
    refill_per_second = models.FloatField(default=50)
    tokens = models.FloatField(default=50)
    refreshed_at = models.DateTimeField(default=clock.now)
    paused_until = models.DateTimeField(null=True, blank=True, help_text="Set from a 429 Retry-After")
    max_attempts = models.PositiveIntegerField(default=8)
    backoff_base_seconds = models.FloatField(default=2)
    backoff_cap_seconds = models.FloatField(default=3600)
    throttle_pause_seconds = models.FloatField(
        default=5,
        validators=[MinValueValidator(0)],
        help_text="How long the target pauses after a 429 that names no Retry-After",
    )
    lease_seconds = models.FloatField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="A claimed message's lease; renewed every third of it while the call is in flight",
    )

    def __str__(self) -> str:
        return self.target
