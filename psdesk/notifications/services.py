"""Writes: `notify()` (the one call other apps make), the outbox, in-app read state, preferences.

    from psdesk.notifications.services import notify
    notify(event="sow.released", target=sow, actor=user, context={"version": 3})

Call it inside the transaction of the change; it writes in-app rows and outbox rows in that same
transaction, and the worker delivers the outbox after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.template import Context, Engine, Template

from psdesk.accounts.selectors import user_caches_fill
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound
from psdesk.core.inserts import rows_insert
from psdesk.core.types import Actor
from psdesk.notifications.choices import Channel, OutboxStatus
from psdesk.notifications.emails import EmailRenderer, email_render
from psdesk.notifications.events import EventType, event_get
from psdesk.notifications.links import Links, link_for
from psdesk.notifications.models import Notification, NotificationPreference, NotificationTemplate, OutboxMessage
from psdesk.notifications.routing import owning_people, route
from psdesk.notifications.tasks import outbox_deliver_task
from psdesk.notifications.wakeups import worker_wake

_ENGINE = Engine(autoescape=False)

# Extra effects of an event beyond notifying people (e.g. mirroring an engagement to GitLab).
# Each runs inside notify(), in the caller's transaction: fn(event=, target=, actor=, context=, account=).
EffectFn = Callable[..., None]
_EFFECTS: dict[str, list[EffectFn]] = {}


def effect_register(*, event: str, fn: EffectFn) -> None:
    """Run `fn` whenever `event` is notified (idempotent registration). Raises ValueError for an
    unknown event."""
    event_get(event)
    if fn not in _EFFECTS.setdefault(event, []):
        _EFFECTS[event].append(fn)


def _template_for(event: EventType, channel: str) -> tuple[str, str]:
    row = NotificationTemplate.objects.filter(event=event.name, channel=channel).first()
    if row is not None:
        return row.subject, row.body
    return event.default_template(channel)


def _render(source: str, ctx: dict[str, Any]) -> str:
    return _ENGINE.from_string(source).render(Context(ctx)).strip() if source else ""


def _enabled(user: Actor, event: str, channel: str) -> bool:
    prefs = {
        (p.event, p.channel): p.enabled
        for p in NotificationPreference.objects.filter(user=user, channel=channel, event__in=[event, ""])
    }
    if (event, channel) in prefs:
        return prefs[(event, channel)]
    return prefs.get(("", channel), True)


def notify(
    *,
    event: str,
    target: models.Model | None,
    actor: Actor | None = None,
    context: dict[str, Any] | None = None,
    recipients: Iterable[Any] = (),
    account: Any = None,
    attachments: list[dict[str, str]] | None = None,
    link: str = "",
    owners: bool = True,
) -> None:
    """Notify about `event` on `target`: in-app rows for the routed users and outbox rows for email
    and chat, all in the caller's transaction (delivery runs after commit). `attachments`
    (filename, mimetype, content_b64) go with the emails only.

    Every notification links to its object: `link` (a path or absolute URL) when given, else the
    target's page (`links.path_of`), as an absolute URL on PSDESK_SITE_URL (`url` in templates).
    Emails are HTML with a plain-text alternative (`notifications/email/notification.*`).

    Routing: the owning EM and account owner (unless `owners=False`) plus `recipients` (minus the
    actor for the implicit ones), chat to the event's audience channel. PubSec targets reach only PubSec members and the
    private PubSec channel. Per-user preferences can switch channels off.
    Raises ValueError for an event not registered in psdesk/notifications/events.py.
    """
    ev = event_get(event)
    with transaction.atomic():
        r = route(event=ev, target=target, actor=actor, recipients=recipients, account=account, owners=owners)
        ctx: dict[str, Any] = {
            "event": ev.name,
            "label": ev.label,
            "target": str(target) if target is not None else "",
            "actor": (actor.get_full_name() or actor.get_username()) if actor is not None and actor.pk else "",
            "account": str(account) if account is not None else "",
            "url": link_for(target, link),
            **(context or {}),
        }
        ct = ContentType.objects.get_for_model(type(target)) if target is not None else None
        target_id = str(target.pk) if target is not None else ""
        now = clock.now()
        if "in_app" in ev.channels:
            subject, body = _template_for(ev, Channel.IN_APP)
            title = _render(subject, ctx)[:255] or ev.label
            text = _render(body, ctx)
            Notification.objects.bulk_create(
                Notification(
                    recipient=u,
                    event=ev.name,
                    title=title,
                    body=text,
                    url=ctx["url"][:500],
                    target_type=ct,
                    target_id=target_id,
                    created_at=now,
                )
                for u in r.users
                if _enabled(u, ev.name, Channel.IN_APP)
            )
        if "email" in ev.channels:
            subject, body = _template_for(ev, Channel.EMAIL)
            text = _render(body, ctx)
            email = email_render(
                name="notification",
                subject=_render(subject, ctx),
                context={
                    "label": ev.label,
                    "body": text,
                    "html_body": text.replace(ctx["url"], "").strip() if ctx["url"] else text,
                    "url": ctx["url"],
                },
            )
            for u in r.users:
                if u.email and _enabled(u, ev.name, Channel.EMAIL):
                    outbox_enqueue(
                        target="email",
                        operation="send",
                        destination=u.email,
                        event=ev.name,
                        payload={
                            "to": [u.email],
                            **email.payload(),
                            **({"attachments": attachments} if attachments else {}),
                        },
                        source=target,
                        pubsec=r.pubsec,
                    )
        if r.chat_destination:
            _, body = _template_for(ev, Channel.CHAT)
            text = _render(body, ctx)
            outbox_enqueue(
                target="chat",
                operation="send",
                destination=r.chat_destination,
                event=ev.name,
                payload={
                    "channel": r.chat_destination,
                    "text": text,
                    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                },
                source=target,
                pubsec=r.pubsec,
            )
        for effect in _EFFECTS.get(ev.name, ()):
            effect(event=ev.name, target=target, actor=actor, context=context or {}, account=account)


@dataclass(frozen=True)
class Notice:
    """One notification of a batch: its target and the template context it adds."""

    target: models.Model
    context: dict[str, Any] = field(default_factory=dict)


class _BatchCache:
    """What a batch looks up once: the event's templates (compiled once per source) and each
    recipient's preferences."""

    def __init__(self, ev: EventType, user_ids: set[int]) -> None:
        edited = {t.channel: (t.subject, t.body) for t in NotificationTemplate.objects.filter(event=ev.name)}
        compiled: dict[str, Template] = {}

        def compile_once(src: str) -> Template | None:
            if not src:
                return None
            return compiled.get(src) or compiled.setdefault(src, _ENGINE.from_string(src))

        self.sources: dict[str, tuple[str, str]] = {}
        self.templates: dict[str, tuple[Template | None, Template | None]] = {}
        for channel in (Channel.IN_APP.value, Channel.EMAIL.value, Channel.CHAT.value):
            subject, body = edited.get(channel) or ev.default_template(channel)
            self.sources[channel] = (subject, body)
            self.templates[channel] = (compile_once(subject), compile_once(body))
        self.prefs: dict[tuple[int, str, str], bool] = {}
        ids = sorted(user_ids)
        for i in range(0, len(ids), 10_000):  # below every database's bound-parameter limit
            for user_id, event, channel, enabled in NotificationPreference.objects.filter(
                user_id__in=ids[i : i + 10_000], event__in=[ev.name, ""]
            ).values_list("user_id", "event", "channel", "enabled"):
                self.prefs[(user_id, event, channel)] = enabled

    def enabled(self, user_id: int, event: str, channel: str) -> bool:
        found = self.prefs.get((user_id, event, channel))
        return found if found is not None else self.prefs.get((user_id, "", channel), True)

    def render(self, channel: str, ctx: Context, done: dict[tuple[str, str], tuple[str, str]]) -> tuple[str, str]:
        """(subject, body) of `channel` for one notice; `done` (per notice) reuses the result of a
        channel whose template sources are the same (in-app and email share the defaults)."""
        key = self.sources[channel]
        found = done.get(key)
        if found is None:
            subject, body = self.templates[channel]
            found = done[key] = (
                subject.render(ctx).strip() if subject is not None else "",
                body.render(ctx).strip() if body is not None else "",
            )
        return found


_IN_APP_COLUMNS = ("recipient_id", "event", "title", "body", "url", "target_type_id", "target_id", "created_at")
_OUTBOX_COLUMNS = (  # the others (attempts, lease, claim token, errors, ...) take their model defaults
    "target",
    "operation",
    "destination",
    "event",
    "payload",
    "idempotency_key",
    "status",
    "next_attempt_at",
    "pubsec",
    "source_type_id",
    "source_id",
    "created_at",
)
_FLUSH_ROWS = 2_000  # rows held in memory before they are written (emails carry their HTML)


class _BatchWriter:
    """The rows of one `notify_many` call, written every `_FLUSH_ROWS` rows with multi-row INSERTs;
    `ids` collects the new outbox messages' ids for the wake-up after commit."""

    def __init__(self, ev: EventType) -> None:
        self.ev = ev
        self.now = clock.now()
        self.batch = uuid.uuid4().hex[:20]  # idempotency keys: <target>:<batch><12 hex>, as unique as a UUID
        self.seq = 0
        self.in_app: list[tuple[Any, ...]] = []
        self.outbox: list[tuple[Any, ...]] = []
        self.ids: list[int] = []

    def notification(self, user_id: int, title: str, body: str, url: str, ct_id: int, target_id: str) -> None:
        self.in_app.append((user_id, self.ev.name, title, body, url[:500], ct_id, target_id, self.now))
        self._flush_when_full()

    def message(
        self, target: str, destination: str, payload: dict[str, Any], *, pubsec: bool, ct_id: int, source_id: str
    ) -> None:
        self.seq += 1
        key = f"{target}:{self.batch}{self.seq:012x}"
        row = (target, "send", destination[:255], self.ev.name, payload, key, OutboxStatus.QUEUED.value, self.now)
        self.outbox.append((*row, pubsec, ct_id, source_id, self.now))
        self._flush_when_full()

    def _flush_when_full(self) -> None:
        if len(self.in_app) + len(self.outbox) >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.in_app:
            rows_insert(Notification, _IN_APP_COLUMNS, self.in_app)
            self.in_app.clear()
        if self.outbox:
            self.ids.extend(rows_insert(OutboxMessage, _OUTBOX_COLUMNS, self.outbox, returning=True))
            self.outbox.clear()


def _chat_payload(channel: str, text: str) -> dict[str, Any]:
    return {"channel": channel, "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def notify_many(*, event: str, notices: Iterable[Notice], owners: bool = True) -> int:
    """`notify()` for many targets of one event with no actor (a sweep's findings), in the caller's
    transaction: templates compiled once, roles, PubSec memberships and preferences read once for
    every recipient, each email rendered once for all its recipients, the in-app rows and the outbox
    rows written with multi-row INSERTs (`inserts.rows_insert`), and one worker wake-up after
    commit. Each outbox row is still its own message (own idempotency key, claimed and leased one
    by one). The number of queries does not depend on the number of notices (one INSERT per 1,000
    rows aside). Targets should come with their `em` / `account__owner` rows loaded
    (select_related). Returns how many notices were sent. Raises ValueError for an unknown event."""
    ev = event_get(event)
    items = list(notices)
    if not items:
        return 0
    user_caches_fill(u for n in items for u in owning_people(n.target))
    people: dict[int, Any] = {}  # one user object per person
    routes = []
    for n in items:
        r = route(event=ev, target=n.target, actor=None, recipients=(), owners=owners)
        r.users = [people.setdefault(u.pk, u) for u in r.users]
        routes.append(r)
    cache = _BatchCache(ev, set(people))
    renderer = EmailRenderer(name="notification") if "email" in ev.channels else None  # one profile read
    out = _BatchWriter(ev)
    types: dict[type, int] = {}
    links = Links()  # each target's URL from one reverse() per model
    with transaction.atomic():
        for n, r in zip(items, routes, strict=True):
            target = n.target
            ct_id = types.get(type(target)) or types.setdefault(
                type(target), ContentType.objects.get_for_model(type(target)).pk
            )
            sid = str(target.pk)
            url = links.of(target)
            ctx = Context(
                {"event": ev.name, "label": ev.label, "target": str(target), "actor": "", "account": "", "url": url}
                | n.context
            )
            done: dict[tuple[str, str], tuple[str, str]] = {}
            if "in_app" in ev.channels:
                title, text = cache.render(Channel.IN_APP, ctx, done)
                for u in r.users:
                    if cache.enabled(u.pk, ev.name, Channel.IN_APP):
                        out.notification(u.pk, title[:255] or ev.label, text, url, ct_id, sid)
            mailed = [u for u in r.users if u.email and cache.enabled(u.pk, ev.name, Channel.EMAIL)]
            if renderer is not None and mailed:
                subject, text = cache.render(Channel.EMAIL, ctx, done)
                html_body = text.replace(url, "").strip() if url else text
                email = renderer.render(
                    subject=subject, context={"label": ev.label, "body": text, "html_body": html_body, "url": url}
                ).payload()
                for u in mailed:
                    out.message(
                        "email", u.email, {"to": [u.email], **email}, pubsec=r.pubsec, ct_id=ct_id, source_id=sid
                    )
            if r.chat_destination:
                _, text = cache.render(Channel.CHAT, ctx, done)
                chat = _chat_payload(r.chat_destination, text)
                out.message("chat", r.chat_destination, chat, pubsec=r.pubsec, ct_id=ct_id, source_id=sid)
            for effect in _EFFECTS.get(ev.name, ()):
                effect(event=ev.name, target=target, actor=None, context=n.context, account=None)
        out.flush()
        ids = out.ids
        transaction.on_commit(lambda: _after_commit_many(ids), robust=True)
    return len(items)


def _id_runs(ids: list[int]) -> list[tuple[int, int]]:
    """`ids` as (first, last) runs of consecutive numbers: a bulk insert's ids are one run on
    SQLite (one writer at a time) and a few on PostgreSQL."""
    runs: list[tuple[int, int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _after_commit_many(ids: list[int]) -> None:
    """Stamp the commit time of a bulk insert's messages (one UPDATE per run of consecutive ids)
    and wake the worker once."""
    at = clock.now()
    for first, last in _id_runs(ids):
        OutboxMessage.objects.filter(pk__gte=first, pk__lte=last, committed_at__isnull=True).update(committed_at=at)
    if ids and getattr(settings, "PSDESK_OUTBOX_ENQUEUE_TASKS", True):
        worker_wake(task=outbox_deliver_task, message_ids=sorted(ids)[:100])


def outbox_enqueue(
    *,
    target: str,
    operation: str,
    payload: dict[str, Any],
    destination: str = "",
    event: str = "",
    source: models.Model | None = None,
    pubsec: bool = False,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Write one outbox row in the caller's transaction and wake the worker after commit.
    `idempotency_key` defaults to a fresh UUID; pass a stable key to make the enqueue itself
    idempotent (a second enqueue with the same key returns the existing row)."""
    key = idempotency_key or f"{target}:{uuid.uuid4().hex}"
    with transaction.atomic():
        existing = OutboxMessage.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        msg = OutboxMessage.objects.create(
            target=target,
            operation=operation,
            destination=destination[:255],
            event=event,
            payload=payload,
            idempotency_key=key,
            pubsec=pubsec,
            status=OutboxStatus.QUEUED,
            next_attempt_at=clock.now(),
            source_type=ContentType.objects.get_for_model(type(source)) if source is not None else None,
            source_id=str(source.pk) if source is not None else "",
        )
        _wake_after_commit(msg.pk)
    return msg


class _CommitWake:
    """The one after-commit callback of a transaction that wrote outbox rows: stamps their commit
    time (for latency figures) and wakes the worker once for all of them, however many
    `notify()` / `outbox_enqueue()` calls wrote them."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        ids, self.ids = self.ids, []
        try:
            at = clock.now()
            for i in range(0, len(ids), 500):
                OutboxMessage.objects.filter(pk__in=ids[i : i + 500], committed_at__isnull=True).update(committed_at=at)
        finally:
            if ids and getattr(settings, "PSDESK_OUTBOX_ENQUEUE_TASKS", True):
                worker_wake(task=outbox_deliver_task, message_ids=ids[:100])


def _wake_after_commit(message_id: int) -> None:
    """Add the row to its transaction's `_CommitWake` (registered with the first row). Django drops
    a callback registered in a savepoint that rolls back; the next row then registers a new one, so
    a rolled-back savepoint never takes committed rows' wake-up with it (ids of rolled-back rows
    that stay in a callback match nothing and are skipped by the task)."""
    for _, func, _ in transaction.get_connection().run_on_commit:
        if isinstance(func, _CommitWake):
            func.ids.append(message_id)
            return
    wake = _CommitWake()
    wake.ids.append(message_id)
    transaction.on_commit(wake, robust=True)


def notification_mark_read(*, user: Actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all unread ones when `notification_ids` is None) read.
    Returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=clock.now())


def preference_set(*, user: Actor, channel: str, enabled: bool, event: str = "") -> NotificationPreference:
    """Switch one channel on/off for one event (or all events when `event` is blank).
    Raises ValueError for an unknown event or channel."""
    if event:
        event_get(event)
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, event=event, channel=channel, defaults={"enabled": enabled}
    )
    return pref


def outbox_replay(*, message_id: int, actor: Actor | None) -> OutboxMessage:
    """Put a parked (or retrying) message back in the queue with a fresh attempt count (audited).
    Raises NotFound (absent) or Conflict (already sent or being delivered)."""
    with transaction.atomic():
        msg = OutboxMessage.objects.select_for_update(of=("self",)).filter(pk=message_id).first()
        if msg is None:
            raise NotFound(f"outbox message {message_id} not found")
        if msg.status not in (OutboxStatus.PARKED, OutboxStatus.RETRYING):
            raise Conflict(
                f"Only parked or retrying messages can be replayed; this one is {msg.status}.",
                code="not_replayable",
                details={"status": msg.status},
            )
        before = {"status": msg.status, "last_error": msg.last_error}
        msg.status, msg.attempts, msg.next_attempt_at, msg.lease_until = OutboxStatus.QUEUED, 0, clock.now(), None
        msg.save(update_fields=["status", "attempts", "next_attempt_at", "lease_until"])
        audit_record(
            verb="notifications.outbox_replayed", actor=actor, target=msg, before=before, after={"status": msg.status}
        )
        _wake_after_commit(msg.pk)
    return msg
