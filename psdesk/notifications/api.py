"""REST: my notifications and preferences; the outbox (status per target, messages, why, replay)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ninja import Query, Router, Schema
from pydantic import Field, StrictBool, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor, AuthedRequest
from psdesk.notifications.choices import Channel, OutboxStatus
from psdesk.notifications.events import EVENTS
from psdesk.notifications.models import NotificationPreference
from psdesk.notifications.selectors import (
    notification_list,
    outbox_budgets_attach,
    outbox_explain,
    outbox_for_source,
    outbox_get,
    outbox_status,
    outbox_visible,
    unread_count,
)
from psdesk.notifications.services import notification_mark_read, outbox_replay, preference_set

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    unread: int
    count: int
    items: list[NotificationOut]


class NotificationParams(Schema):
    unread_only: bool = False
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class ReadIn(Schema):
    ids: list[StrictInt] | None = Field(None, max_length=1000, description="omit or null: mark all read")


class ReadOut(Schema):
    changed: int
    unread: int


_EVENT_PATTERN = "^(" + "|".join(re.escape(e) for e in sorted(EVENTS)) + ")?$"


class PreferenceIn(Schema):
    event: str = Field("", max_length=64, pattern=_EVENT_PATTERN, description="blank: every event")
    channel: Channel
    enabled: StrictBool


class PreferenceOut(Schema):
    event: str
    channel: str
    enabled: bool


@router.get("/notifications", response={200: NotificationPage, **errors(401, 422)})
def list_notifications(request: AuthedRequest, params: Query[NotificationParams]) -> Any:
    """Your in-app notifications, newest first, with the unread count."""
    qs = notification_list(user=request.user, unread_only=params.unread_only)
    return {
        "unread": unread_count(user=request.user),
        "count": qs.count(),
        "items": list(qs[params.offset : params.offset + params.limit]),
    }


@router.post("/notifications/read", response={200: ReadOut, **errors(400, 401, 422)})
def mark_read(request: AuthedRequest, payload: ReadIn) -> Any:
    """Mark the given notifications (all when `ids` is omitted) read."""
    if request.body and not request.body.lstrip().startswith(b"{"):
        # django-ninja lets a non-object body through as "all defaults"; that must not mean "all read"
        raise ValidationFailed("The body must be a JSON object.", details={"field": "body"})
    changed = notification_mark_read(user=request.user, notification_ids=payload.ids)
    return {"changed": changed, "unread": unread_count(user=request.user)}


@router.get("/notifications/preferences", response={200: list[PreferenceOut], **errors(401)})
def list_preferences(request: AuthedRequest) -> Any:
    """Your opt-outs and opt-ins (anything not listed is on)."""
    user: Actor = request.user
    return list(NotificationPreference.objects.filter(user=user).order_by("event", "channel"))


@router.put("/notifications/preferences", response={200: PreferenceOut, **errors(400, 401, 422)})
def set_preference(request: AuthedRequest, payload: PreferenceIn) -> Any:
    """Switch one channel on/off for one event (blank event = every event)."""
    if payload.event and payload.event not in EVENTS:
        raise ValidationFailed(f"Unknown event {payload.event!r}.", details={"field": "event"})
    if payload.channel not in Channel.values:
        raise ValidationFailed(f"Unknown channel {payload.channel!r}.", details={"field": "channel"})
    return preference_set(user=request.user, channel=payload.channel, enabled=payload.enabled, event=payload.event)


class TargetStatusOut(Schema):
    target: str
    queued: int
    delivering: int
    retrying: int
    sent: int
    parked: int
    budget_tokens: float | None
    budget_capacity: float | None
    paused_until: datetime | None
    last_error: str


class OutboxOut(Schema):
    id: int
    target: str
    operation: str
    destination: str
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    why: str

    @staticmethod
    def resolve_why(obj: Any) -> str:
        return outbox_explain(obj)


class AttemptOut(Schema):
    at: datetime
    outcome: str
    error: str


class OutboxDetail(OutboxOut):
    idempotency_key: str
    payload: dict[str, Any]
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_attempt_log(obj: Any) -> list[Any]:
        return list(obj.attempt_log.all())


class OutboxPage(Schema):
    count: int
    items: list[OutboxOut]


class OutboxParams(Schema):
    status: OutboxStatus | None = None
    target: str | None = Field(None, max_length=32)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class WhyParams(Schema):
    model: str = Field(..., max_length=100, description='"app_label.model", e.g. "engagements.engagement"')
    id: str = Field(..., max_length=64)


@router.get("/outbox/status", response={200: list[TargetStatusOut], **errors(401, 403)})
def get_outbox_status(request: AuthedRequest) -> Any:
    """Per target: queued, delivering, retrying, sent, parked, budget left, last error."""
    permission_require(request.user, "notifications.view_outbox")
    return outbox_status(user=request.user)


@router.get("/outbox/messages", response={200: OutboxPage, **errors(401, 403, 422)})
def list_outbox(request: AuthedRequest, params: Query[OutboxParams]) -> Any:
    """Outbox messages, newest first (PubSec ones only for PubSec members)."""
    permission_require(request.user, "notifications.view_outbox")
    qs = outbox_visible(user=request.user).order_by("-id")
    if params.status:
        qs = qs.filter(status=params.status)
    if params.target:
        qs = qs.filter(target=params.target)
    return {"count": qs.count(), "items": outbox_budgets_attach(list(qs[params.offset : params.offset + params.limit]))}


@router.get("/outbox/messages/{message_id}", response={200: OutboxDetail, **errors(401, 403, 404, 422)})
def get_outbox_message(request: AuthedRequest, message_id: int) -> Any:
    """One message with its attempt history and why it has (not) been delivered."""
    permission_require(request.user, "notifications.view_outbox")
    return outbox_get(user=request.user, message_id=message_id)


@router.post("/outbox/messages/{message_id}/replay", response={200: OutboxOut, **errors(401, 403, 404, 409, 422)})
def replay_outbox_message(request: AuthedRequest, message_id: int) -> Any:
    """Put a parked (or retrying) message back in the queue now. 409 when it was already sent."""
    permission_require(request.user, "notifications.replay_outbox")
    outbox_get(user=request.user, message_id=message_id)
    outbox_replay(message_id=message_id, actor=request.user)
    return outbox_get(user=request.user, message_id=message_id)


@router.get("/outbox/why", response={200: list[OutboxOut], **errors(401, 403, 404, 422)})
def why_not_synced(request: AuthedRequest, params: Query[WhyParams]) -> Any:
    """Every outbox message caused by one record, each with why it has (not) been delivered."""
    permission_require(request.user, "notifications.view_outbox")
    return outbox_for_source(user=request.user, model=params.model, object_id=params.id)
