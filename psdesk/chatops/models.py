"""PS Desk in Slack: the app's policy, every verified request (replay refusal), the work each one
asks for, who a Slack member is in PS Desk, and the Slack messages PS Desk keeps up to date."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from psdesk.chatops.choices import InteractionKind, InteractionStatus, LinkedVia
from psdesk.core import clock


class SlackPolicy(models.Model):
    """One row, admin-editable: where interactive approvals go and how fresh a request must be."""

    signature_window_seconds = models.PositiveIntegerField(
        default=300,
        help_text="a request whose X-Slack-Request-Timestamp is further than this from now is refused "
        "(Slack's own verifier never accepts more than 300)",
    )
    approvals_channel = models.CharField(
        max_length=80,
        default="#ps-approvals",
        help_text="where PS Leadership and Revenue approval requests are posted with Approve / Reject",
    )
    pubsec_channel_id = models.CharField(
        max_length=32,
        blank=True,
        help_text="Slack id of the private US PubSec channel (C…); PubSec details are shown only there "
        "or in a direct message to a member",
    )

    class Meta:
        verbose_name_plural = "Slack policy"

    def __str__(self) -> str:
        return f"Slack: approvals in {self.approvals_channel}, {self.signature_window_seconds} s window"


class SlackRequestSeen(models.Model):
    """A verified request's signature: the same signature twice is a replay and is refused."""

    signature = models.CharField(max_length=80, unique=True)
    request_timestamp = models.BigIntegerField()
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "Slack request seen"


class SlackInteraction(models.Model):
    """One verified command, click or dialog submission, acknowledged at once and answered by the
    worker (`services.interaction_process`) through its `response_url`."""

    kind = models.CharField(max_length=20, choices=InteractionKind.choices)
    team_id = models.CharField(max_length=32, blank=True)
    slack_user_id = models.CharField(max_length=32)
    channel_id = models.CharField(max_length=32, blank=True)
    channel_name = models.CharField(max_length=100, blank=True)
    response_url = models.URLField(max_length=500, blank=True)
    payload = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=InteractionStatus.choices, default=InteractionStatus.RECEIVED)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.slack_user_id}"


class SlackUserLink(models.Model):
    """A Slack member is this PS Desk user: matched by Slack's confirmed email, or linked by the user
    on their profile page with a one-time code from `/ps link`."""

    team_id = models.CharField(max_length=32, blank=True)
    slack_user_id = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_links")
    linked_via = models.CharField(max_length=16, choices=LinkedVia.choices)
    linked_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team_id", "slack_user_id"], name="one_psdesk_user_per_slack_member")
        ]

    def __str__(self) -> str:
        return f"{self.slack_user_id} → {self.user}"


class SlackAsk(models.Model):
    """An Ask PS question asked from Slack: its answer goes back to the asker there."""

    request = models.OneToOneField("scoping.AskPsRequest", on_delete=models.CASCADE, related_name="+")
    slack_user_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Slack question {self.request_id}"


class SlackApprovalMessage(models.Model):
    """The interactive message of one approval request: posted once (outbox key `post_key`), edited
    with each outcome for everyone in the channel."""

    request = models.OneToOneField("approvals.ApprovalRequest", on_delete=models.CASCADE, related_name="+")
    post_key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=80)
    pubsec = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Slack message of approval request {self.request_id}"
