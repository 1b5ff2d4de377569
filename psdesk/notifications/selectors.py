"""Reads: a user's notifications, the outbox per target, and "why didn't this sync"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.notifications.choices import OutboxStatus as S
from psdesk.notifications.events import EVENTS
from psdesk.notifications.models import Notification, OutboxMessage, TargetBudget


def notification_list(*, user: Actor, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, user: Actor) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def outbox_visible(*, user: Actor) -> QuerySet[OutboxMessage]:
    """Outbox rows the user may see: PubSec rows (their payload names a PubSec customer) only for members."""
    qs = OutboxMessage.objects.all()
    return qs if user_is_pubsec(user) else qs.filter(pubsec=False)


@dataclass
class TargetStatus:
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
    last_error_at: datetime | None


def outbox_status(*, user: Actor) -> list[TargetStatus]:
    """Per target: counts by status, budget left, and the latest error (PubSec errors hidden from
    non-members)."""
    visible = outbox_visible(user=user)
    counts: dict[str, dict[str, int]] = {}
    for row in OutboxMessage.objects.values("target", "status").annotate(n=Count("id")):
        counts.setdefault(row["target"], {})[row["status"]] = row["n"]
    budgets = {b.target: b for b in TargetBudget.objects.all()}
    now = clock.now()
    out = []
    for target in sorted(set(counts) | set(budgets)):
        c = counts.get(target, {})
        b = budgets.get(target)
        err = (
            visible.filter(target=target)
            .exclude(last_error="")
            .order_by("-id")
            .values("last_error", "next_attempt_at")
            .first()
        )
        tokens = None
        if b is not None:
            elapsed = max(0.0, (now - b.refreshed_at).total_seconds())
            tokens = round(min(b.capacity, b.tokens + elapsed * b.refill_per_second), 2)
        out.append(
            TargetStatus(
                target=target,
                queued=c.get(S.QUEUED, 0),
                delivering=c.get(S.DELIVERING, 0),
                retrying=c.get(S.RETRYING, 0),
                sent=c.get(S.SENT, 0),
                parked=c.get(S.PARKED, 0),
                budget_tokens=tokens,
                budget_capacity=b.capacity if b else None,
                paused_until=b.paused_until if b and b.paused_until and b.paused_until > now else None,
                last_error=err["last_error"] if err else "",
                last_error_at=err["next_attempt_at"] if err else None,
            )
        )
    return out


def outbox_get(*, user: Actor, message_id: int) -> OutboxMessage:
    """One outbox row; NotFound when absent or PubSec for a non-member."""
    msg = outbox_visible(user=user).filter(pk=message_id).first()
    if msg is None:
        raise NotFound(f"outbox message {message_id} not found")
    return msg


def outbox_budgets_attach(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """`messages` with their targets' budgets loaded in one query, for `outbox_explain` on a list."""
    budgets = {b.target: b for b in TargetBudget.objects.filter(target__in={m.target for m in messages})}
    for m in messages:
        m.__dict__["target_budget"] = budgets.get(m.target)
    return messages


def outbox_explain(msg: OutboxMessage) -> str:
    """A sentence answering "why didn't this sync?" for one message."""
    now = clock.now()
    when = msg.next_attempt_at
    if msg.status == S.SENT:
        return f"Delivered at {msg.sent_at:%Y-%m-%d %H:%M:%S} UTC after {msg.attempts} attempt(s)."
    if msg.status == S.PARKED:
        return f"Parked after {msg.attempts} attempt(s): {msg.last_error}. Fix the cause, then replay it."
    if msg.status == S.DELIVERING:
        lease = msg.lease_until
        if lease is not None and lease < now:
            return "A worker took it and stopped answering; the next sweep redelivers it with the same key."
        return "Being delivered right now."
    if "target_budget" in msg.__dict__:  # a list loaded the budgets at once (outbox_budgets_attach)
        budget = msg.__dict__["target_budget"]
    else:
        budget = TargetBudget.objects.filter(target=msg.target).first()
    if budget is not None and budget.paused_until and budget.paused_until > now:
        return (
            f"The {msg.target} target asked us to wait (HTTP 429 Retry-After) until {budget.paused_until:%H:%M:%S} UTC."
        )
    if msg.status == S.RETRYING:
        return (
            f"Attempt {msg.attempts} failed: {msg.last_error}. Next attempt at {when:%Y-%m-%d %H:%M:%S} UTC"
            f" (gives up after {budget.max_attempts if budget else '?'} attempts)."
        )
    if when > now:
        return f"Waiting for the {msg.target} rate budget; next attempt at {when:%H:%M:%S} UTC."
    return "Queued; the worker delivers it shortly. If it stays here, check that `db_worker` is running."


def outbox_for_source(*, user: Actor, model: str, object_id: str) -> list[OutboxMessage]:
    """The outbox rows caused by one record (`model` as "app_label.model"). Raises NotFound for an
    unknown model."""
    app_label, _, name = model.partition(".")
    ct = ContentType.objects.filter(app_label=app_label, model=name.lower()).first()
    if ct is None:
        raise NotFound(f"unknown model {model!r}")
    return outbox_budgets_attach(
        list(outbox_visible(user=user).filter(source_type=ct, source_id=str(object_id)).order_by("id"))
    )


def outbox_external_id(*, source: Any, target: str, operation: str) -> str:
    """The target's id from the latest delivered `operation` for `source` (e.g. the GitLab issue iid
    to update after `issue_upsert` created it); "" when none was delivered yet."""
    ct = ContentType.objects.get_for_model(type(source))
    row = (
        OutboxMessage.objects.filter(
            source_type=ct, source_id=str(source.pk), target=target, operation=operation, status=S.SENT
        )
        .exclude(external_id="")
        .order_by("-id")
        .values_list("external_id", flat=True)
        .first()
    )
    return row or ""


# ---------------------------------------------------------------- emails and payloads, readable

PREVIEW_CHARS = 400


@dataclass(frozen=True)
class PayloadField:
    label: str
    value: str


def _names(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def payload_fields(msg: OutboxMessage) -> list[PayloadField]:
    """The payload as labelled fields a person reads: an email's to, cc, subject, a text preview and
    its attachments' names (not their bytes); a chat message's channel and text; other operations'
    keys with their values (lists joined, nested values shortened)."""
    p = msg.payload if isinstance(msg.payload, dict) else {}
    if msg.target == "email":
        text = str(p.get("body", ""))
        fields = [
            PayloadField("To", _names(p.get("to"))),
            PayloadField("CC", _names(p.get("cc")) or "—"),
            PayloadField("Subject", str(p.get("subject", ""))),
            PayloadField("Text", text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")),
            PayloadField("HTML part", "yes" if p.get("html") else "no"),
        ]
        files = [str(a.get("filename", "?")) for a in p.get("attachments") or [] if isinstance(a, dict)]
        fields.append(PayloadField("Attachments", ", ".join(files) or "none"))
        return fields
    if msg.target == "chat":
        return [
            PayloadField("Channel", str(p.get("channel", msg.destination))),
            PayloadField("Text", str(p.get("text", ""))),
        ]
    out = []
    for key, value in p.items():
        shown = _names(value) if isinstance(value, list | tuple) else str(value)
        if isinstance(value, dict):
            shown = ", ".join(f"{k}: {v}" for k, v in value.items())
        out.append(PayloadField(key.replace("_", " ").capitalize(), shown[:PREVIEW_CHARS]))
    return out


@dataclass(frozen=True)
class EmailDelivery:
    """One email caused by a record, as its sender sees it: who, what, and where delivery stands."""

    id: int
    event: str
    label: str
    to: str
    cc: str
    subject: str
    created_at: datetime
    status: str  # queued | sent | failed
    sent_at: datetime | None
    reason: str  # why it failed, or why it is still waiting


def _delivery_state(msg: OutboxMessage) -> tuple[str, str]:
    if msg.status == S.SENT:
        return "sent", ""
    if msg.status == S.PARKED:
        return "failed", msg.last_error or "The mail server refused it."
    if msg.status == S.RETRYING:
        return "queued", f"Retrying after: {msg.last_error}" if msg.last_error else "Retrying."
    return "queued", ""


# Emails sent by a service directly (not through `notify`), by their outbox event.
EMAIL_LABELS = {"project.welcome": "Welcome email", "sow.released": "SOW for signature", "notify.test": "Test email"}


def email_deliveries(*, source: Any) -> list[EmailDelivery]:
    """Every email caused by `source` (e.g. a project's welcome emails), oldest first, with its
    delivery status: queued (also while retrying), sent, or failed with the reason. The caller has
    already decided that the user may see `source`; no other outbox row is read."""
    ct = ContentType.objects.get_for_model(type(source))
    rows = OutboxMessage.objects.filter(target="email", source_type=ct, source_id=str(source.pk)).order_by("id")
    out = []
    for m in rows:
        p = m.payload if isinstance(m.payload, dict) else {}
        status, reason = _delivery_state(m)
        out.append(
            EmailDelivery(
                id=m.pk,
                event=m.event,
                label=EMAIL_LABELS.get(m.event) or (EVENTS[m.event].label if m.event in EVENTS else m.event),
                to=_names(p.get("to")) or m.destination,
                cc=_names(p.get("cc")),
                subject=str(p.get("subject", "")),
                created_at=m.created_at,
                status=status,
                sent_at=m.sent_at,
                reason=reason,
            )
        )
    return out
