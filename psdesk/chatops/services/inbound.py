"""Slack's requests to PS Desk: signature and timestamp window (slack_sdk's SignatureVerifier),
replay refusal, and the record the worker answers from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.db import IntegrityError, transaction
from slack_sdk.signature import Clock, SignatureVerifier

from psdesk.chatops.blocks import reject_reason
from psdesk.chatops.choices import InteractionKind, InteractionStatus
from psdesk.chatops.models import SlackInteraction, SlackRequestSeen
from psdesk.chatops.selectors import slack_policy_get
from psdesk.core import clock
from psdesk.core.errors import BadRequest, Conflict, DomainError


class SlackSignatureInvalid(DomainError):
    status = 401
    code = "bad_signature"


class _PsDeskClock(Clock):
    """Slack's verifier reads the time from PS Desk's clock (frozen in tests)."""

    def now(self) -> float:
        return clock.now().timestamp()


def slack_signature_verify(*, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    """(timestamp, signature) of a request Slack signed with our signing secret within the policy's
    window. Raises SlackSignatureInvalid (401) otherwise."""
    secret = str(getattr(settings, "PSDESK_SLACK_SIGNING_SECRET", "") or "")
    if not secret:
        raise SlackSignatureInvalid("No Slack signing secret is configured (PSDESK_SLACK_SIGNING_SECRET).")
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ts, signature = lowered.get("x-slack-request-timestamp", ""), lowered.get("x-slack-signature", "")
    try:
        ts = int(raw_ts)
    except ValueError:
        raise SlackSignatureInvalid("Missing or malformed X-Slack-Request-Timestamp.") from None
    window = slack_policy_get().signature_window_seconds
    if abs(clock.now().timestamp() - ts) > window:
        raise SlackSignatureInvalid("Request timestamp outside the accepted window (replay?).")
    if not SignatureVerifier(secret, clock=_PsDeskClock()).is_valid(body=body, timestamp=raw_ts, signature=signature):
        raise SlackSignatureInvalid("Slack signature does not match.")
    return ts, signature


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadRequest("Body is not UTF-8 form data.", code="malformed") from None
    return {k: v[0] for k, v in parsed.items() if v}


def _interaction_fields(form: dict[str, str]) -> dict[str, Any]:
    """The fields of a slash command (form fields) or an interactive payload (`payload` JSON)."""
    if "payload" not in form:
        if form.get("command", "") == "" or not form.get("user_id"):
            raise BadRequest("A slash command needs 'command' and 'user_id'.", code="malformed")
        return {
            "kind": InteractionKind.COMMAND,
            "team_id": form.get("team_id", ""),
            "slack_user_id": form["user_id"],
            "channel_id": form.get("channel_id", ""),
            "channel_name": form.get("channel_name", ""),
            "response_url": form.get("response_url", ""),
            "payload": {k: form[k] for k in ("command", "text", "trigger_id", "user_name") if k in form},
        }
    try:
        data = json.loads(form["payload"])
    except ValueError:
        raise BadRequest("Field 'payload' is not JSON.", code="malformed", details={"field": "payload"}) from None
    if not isinstance(data, dict) or data.get("type") not in {"block_actions", "view_submission"}:
        raise BadRequest("Unsupported interaction type.", code="malformed", details={"field": "type"})
    user = data.get("user") or {}
    if not isinstance(user, dict) or not user.get("id"):
        raise BadRequest("An interaction needs a user.", code="malformed", details={"field": "user"})
    channel = data.get("channel") or {}
    kind = InteractionKind.BLOCK_ACTION if data["type"] == "block_actions" else InteractionKind.VIEW_SUBMISSION
    meta: dict[str, Any] = {}
    if kind == InteractionKind.VIEW_SUBMISSION:
        try:
            meta = json.loads(((data.get("view") or {}).get("private_metadata")) or "{}")
        except ValueError:
            meta = {}
    unanswerable = kind == InteractionKind.VIEW_SUBMISSION and not reject_reason(data)
    return {
        "kind": kind,
        # A dialog sent back without its reason stays open in Slack (the view says so): no work.
        **({"status": InteractionStatus.ANSWERED, "answer": "no reason given"} if unanswerable else {}),
        "team_id": str((data.get("team") or {}).get("id", "") or user.get("team_id", "")),
        "slack_user_id": str(user["id"]),
        "channel_id": str(channel.get("id", "") or meta.get("channel_id", "")),
        "channel_name": str(channel.get("name", "") or meta.get("channel_name", "")),
        "response_url": str(data.get("response_url", "") or meta.get("response_url", "")),
        "payload": data,
    }


def slack_request_receive(*, body: bytes, headers: Mapping[str, str]) -> SlackInteraction:
    """Verify one request from Slack and record it for the worker (the caller enqueues
    `tasks.slack_interaction_task` for a `received` one).

    Raises SlackSignatureInvalid (401: unsigned, wrongly signed, or outside the window; nothing
    recorded), Conflict 409 `replay` (this exact signed request was received before; nothing
    recorded again), BadRequest 400 (not a command or a supported interaction)."""
    ts, signature = slack_signature_verify(body=body, headers=headers)
    fields = _interaction_fields(_form(body))
    window = slack_policy_get().signature_window_seconds
    try:
        with transaction.atomic():
            SlackRequestSeen.objects.create(signature=signature[:80], request_timestamp=ts)
            interaction = SlackInteraction.objects.create(**fields)
    except IntegrityError:
        raise Conflict("This Slack request was already received (replay refused).", code="replay") from None
    # Forget signatures that the window refuses anyway: the table stays small.
    SlackRequestSeen.objects.filter(received_at__lt=clock.now() - timedelta(seconds=2 * window)).delete()
    return interaction
