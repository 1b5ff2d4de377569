"""Delivering the outbox: claim due messages (compare-and-set + a short lease), take tokens from the
target's budget, call the adapter outside any transaction, record each outcome as soon as the target
answers.

Outcomes: sent; retrying (transient failure: exponential backoff with jitter, or the target's
Retry-After); throttled (HTTP 429: the whole target pauses for its Retry-After and the message loses
no attempt); parked (permanent failure or attempts exhausted; a human replays it).

Leases are per message: a claim holds a batch for the target's `lease_seconds`; each message is
leased again just before its call, and a side thread renews that lease every third of it while the
call is in flight, so a slow target never lets a second worker take a message that is being sent. A
worker that dies (SIGKILL, OOM, a lost machine) stops renewing: within `lease_seconds` another worker
claims its messages, and a sweep is scheduled for that moment. At most the message whose call was in
flight when the worker died is delivered twice, with the same idempotency key, so a target that
honours the key (see docs/howto/notifications.md, "Delivery guarantees") does not see a duplicate.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from psdesk.core import clock
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import OPERATIONS, adapter_get
from psdesk.notifications.choices import OutboxStatus
from psdesk.notifications.models import OutboxAttempt, OutboxMessage, TargetBudget

log = logging.getLogger(__name__)
S = OutboxStatus
_rng = random.Random()  # noqa: S311 — backoff jitter, not security

DEFAULT_BUDGETS: dict[str, dict[str, float]] = {
    # Slack: ~1 message per second per channel, short bursts tolerated.
    "chat": {"capacity": 20, "refill_per_second": 1},
    "email": {"capacity": 100, "refill_per_second": 10},
    # Salesforce: a daily API allocation (15,000 calls/day by default).
    "crm": {"capacity": 500, "refill_per_second": 15000 / 86400},
    "work_tracking": {"capacity": 100, "refill_per_second": 5},
    "psa": {"capacity": 50, "refill_per_second": 2},
    "quotes": {"capacity": 50, "refill_per_second": 2},
}


class Wake(Protocol):
    """Asks for a worker sweep at `at` (retry, throttle or lease expiry); `tasks.py` passes
    `wakeups.sweep_schedule` bound to its sweep task."""

    def __call__(self, *, at: datetime) -> None: ...


def _no_wake(*, at: datetime) -> None:
    """The default `wake`: the caller delivers synchronously and schedules no sweep."""


@dataclass(frozen=True)
class Outcome:
    message_id: int
    result: str  # sent | retrying | parked | throttled | skipped
    detail: str = ""


def budget_for(target: str) -> TargetBudget:
    """The target's budget row, created from settings.PSDESK_OUTBOX_BUDGETS (or the defaults)."""
    conf = {
        **DEFAULT_BUDGETS.get(target, {"capacity": 50, "refill_per_second": 5}),
        **getattr(settings, "PSDESK_OUTBOX_BUDGETS", {}).get(target, {}),
    }
    budget, _ = TargetBudget.objects.get_or_create(
        target=target,
        defaults={
            "capacity": conf["capacity"],
            "refill_per_second": conf["refill_per_second"],
            "tokens": conf["capacity"],
            "refreshed_at": clock.now(),
            **{k: conf[k] for k in ("max_attempts", "backoff_base_seconds", "backoff_cap_seconds") if k in conf},
        },
    )
    return budget


def _refill(budget: TargetBudget, now: datetime) -> float:
    elapsed = max(0.0, (now - budget.refreshed_at).total_seconds())
    return min(budget.capacity, budget.tokens + elapsed * budget.refill_per_second)


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff with jitter: uniformly in [0.5, 1] x min(cap, base * 2^(attempt-1))."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling * _rng.uniform(0.5, 1.0)


# Targets whose messages about one record must arrive in order (a label update must not overtake
# the create, nor an older status a newer one): a message waits while an older one for the same
# (target, source record) is still pending.
ORDERED_TARGETS = ("work_tracking", "crm", "psa")


def _claimable(now: datetime) -> Q:
    return Q(status__in=[S.QUEUED, S.RETRYING], next_attempt_at__lte=now) | Q(status=S.DELIVERING, lease_until__lt=now)


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    older_pending = OutboxMessage.objects.filter(
        target=OuterRef("target"),
        source_type=OuterRef("source_type"),
        source_id=OuterRef("source_id"),
        id__lt=OuterRef("id"),
        status__in=[S.QUEUED, S.RETRYING, S.DELIVERING],
    )
    return OutboxMessage.objects.filter(_claimable(now)).exclude(
        Q(target__in=ORDERED_TARGETS) & ~Q(source_id="") & Exists(older_pending)
    )


def _claim_many(ids: list[int], wake: Wake) -> tuple[list[OutboxMessage], dict[int, str]]:
    """Take budget tokens and claim the due messages among `ids` in one short transaction, each for
    its target's `lease_seconds`. A claim costs no attempt (`_start` counts it when the call begins).

    Returns the claimed messages (stamped with a fresh `claim_token`) and, for the others, why not
    ("skipped": not due or taken by another worker; "throttled": no budget / target paused).
    A message taken over from a worker whose lease ran out gets an "abandoned" attempt row.
    """
    now = clock.now()
    token = uuid.uuid4().hex
    states: dict[int, str] = dict.fromkeys(ids, "skipped")
    wakes: list[datetime] = []
    with transaction.atomic():
        rows = list(
            _due(now).filter(pk__in=ids).order_by("next_attempt_at", "id").values_list("pk", "target", "status")
        )
        by_target: dict[str, list[int]] = {}
        for pk, target, _status in rows:
            by_target.setdefault(target, []).append(pk)
        leased = {pk for pk, _target, status in rows if status == S.DELIVERING}  # a lease ran out
        for target, tids in by_target.items():
            budget = TargetBudget.objects.select_for_update(of=("self",)).filter(target=target).first()
            if budget is None:
                budget_for(target)
                budget = TargetBudget.objects.select_for_update(of=("self",)).get(target=target)
            if budget.paused_until and budget.paused_until > now:
                OutboxMessage.objects.filter(pk__in=tids, status__in=[S.QUEUED, S.RETRYING]).update(
                    next_attempt_at=budget.paused_until
                )
                states.update(dict.fromkeys(tids, "throttled"))
                wakes.append(budget.paused_until)
                continue
            tokens = _refill(budget, now)
            take, rest = tids[: max(0, int(tokens))], tids[max(0, int(tokens)) :]
            claimed = 0
            if take:
                lease_until = now + timedelta(seconds=budget.lease_seconds)
                abandoned = [pk for pk in take if pk in leased]
                claimed = OutboxMessage.objects.filter(_claimable(now), pk__in=take).update(
                    status=S.DELIVERING, lease_until=lease_until, claim_token=token
                )
                if abandoned:
                    OutboxAttempt.objects.bulk_create(
                        OutboxAttempt(message_id=pk, at=now, outcome="abandoned", error=_ABANDONED) for pk in abandoned
                    )
                wakes.append(lease_until)  # if this worker dies, a sweep takes its messages over then
            if rest:
                wait = (
                    (len(rest) - (tokens - len(take))) / budget.refill_per_second
                    if budget.refill_per_second > 0
                    else 3600
                )
                when = now + timedelta(seconds=max(wait, 0.001))
                OutboxMessage.objects.filter(pk__in=rest, status__in=[S.QUEUED, S.RETRYING]).update(
                    next_attempt_at=when
                )
                states.update(dict.fromkeys(rest, "throttled"))
                wakes.append(when)
            budget.tokens, budget.refreshed_at = tokens - claimed, now
            budget.save(update_fields=["tokens", "refreshed_at"])
        if wakes:  # in the claim's transaction (see wakeups.py); each sweep schedules the next
            wake(at=min(wakes))
    msgs = list(OutboxMessage.objects.filter(claim_token=token, status=S.DELIVERING).order_by("next_attempt_at", "id"))
    for m in msgs:
        states.pop(m.pk, None)
    return msgs, states


_ABANDONED = "the worker stopped during the call (its lease ran out); delivered again with the same key"


def _claim(message_id: int, wake: Wake = _no_wake) -> tuple[OutboxMessage | None, str]:
    msgs, states = _claim_many([message_id], wake)
    return (msgs[0], "claimed") if msgs else (None, states.get(message_id, "skipped"))


def _call(msg: OutboxMessage) -> str:
    if msg.operation not in OPERATIONS.get(msg.target, frozenset()):
        raise IntegrationError(f"Unknown operation {msg.target}.{msg.operation}", permanent=True)
    adapter = adapter_get(msg.target)
    payload = {k: v for k, v in msg.payload.items() if not (msg.target == "chat" and k == "channel")}
    if msg.target == "chat":
        payload["channel"] = msg.payload.get("channel", msg.destination)
    receipt = getattr(adapter, msg.operation)(**payload, idempotency_key=msg.idempotency_key)
    return str(getattr(receipt, "external_id", "") or "")


class _LeaseKeeper:
    """Renews the leases of the messages whose calls are in flight, every third of their lease, from
    one side thread per process. The thread is started once and never waited on: a call that
    returns sooner than a third of its lease costs no database write and no thread hand-over (a
    thread started and joined per message cost ~14 ms per message on a busy 2-core machine).

    A renewal is a compare-and-set on (status DELIVERING, claim token), so one that lands after the
    outcome was recorded, or after another worker took the message over, changes nothing."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watched: dict[int, tuple[str, float, float]] = {}  # pk -> (claim token, lease s, renew at)
        self._thread: threading.Thread | None = None
        self._idle = False  # the thread waits with no deadline: a new watch must wake it

    @contextlib.contextmanager
    def watch(self, msg: OutboxMessage, seconds: float) -> Iterator[None]:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-lease-keeper", daemon=True)
                self._thread.start()
            self._watched[msg.pk] = (msg.claim_token, seconds, time.monotonic() + seconds / 3)
            if self._idle:
                self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._watched.pop(msg.pk, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                due: list[tuple[int, str, float]] = []
                while not due:
                    now = time.monotonic()
                    if not self._watched:
                        self._idle = True
                        self._cond.wait()
                        self._idle = False
                        continue
                    soonest = min(at for _, _, at in self._watched.values())
                    if soonest > now:
                        self._cond.wait(soonest - now)
                        continue
                    for pk, (token, seconds, at) in list(self._watched.items()):
                        if at <= now:
                            due.append((pk, token, seconds))
                            self._watched[pk] = (token, seconds, now + seconds / 3)
            try:
                for pk, token, seconds in due:
                    self._renew(pk, token, seconds)
            finally:
                connections.close_all()  # this thread's own connection: renewals are rare (slow calls)

    def _renew(self, pk: int, token: str, seconds: float) -> None:
        try:
            kept = OutboxMessage.objects.filter(pk=pk, status=S.DELIVERING, claim_token=token).update(
                lease_until=clock.now() + timedelta(seconds=seconds)
            )
        except DatabaseError:
            log.warning("outbox %s: could not renew the lease", pk, exc_info=True)
            return
        if not kept:
            log.warning("outbox %s: lease lost while the call was in flight", pk)
            with self._cond:
                if self._watched.get(pk, ("",))[0] == token:
                    del self._watched[pk]


_keeper = _LeaseKeeper()


# The claim loop's hottest statements, written once instead of built by the ORM for every message
# (that was most of a message's cost in the worker). Table names come from the models; every value
# is a parameter.
_MSG, _ATTEMPT = OutboxMessage._meta.db_table, OutboxAttempt._meta.db_table
_START_SQL = (
    f"UPDATE {_MSG} SET attempts = attempts + 1, lease_until = %s, call_started_at = %s"  # noqa: S608
    " WHERE id = %s AND status = %s AND claim_token = %s"
)
_SENT_SQL = (
    f"UPDATE {_MSG} SET status = %s, sent_at = %s, lease_until = NULL, last_error = '', external_id = %s"  # noqa: S608
    " WHERE id = %s AND status <> %s"
)
_ATTEMPT_SQL = f"INSERT INTO {_ATTEMPT} (message_id, at, outcome, error) VALUES (%s, %s, %s, '')"  # noqa: S608


def _start(msg: OutboxMessage, seconds: float) -> bool:
    """Lease the message again for its call and count the attempt; False when another worker took it
    over meanwhile (this worker's batch outlived the claim)."""
    now = clock.now()
    ops = connection.ops
    with connection.cursor() as cur:
        cur.execute(
            _START_SQL,
            [
                ops.adapt_datetimefield_value(now + timedelta(seconds=seconds)),
                ops.adapt_datetimefield_value(now),
                msg.pk,
                S.DELIVERING.value,
                msg.claim_token,
            ],
        )
        started = cur.rowcount
    if started:
        msg.attempts += 1
    return bool(started)


def _sent(
    msg: OutboxMessage, external_id: str, then: tuple[OutboxMessage, float] | None = None
) -> tuple[Outcome, bool]:
    """Record a success at once (one short transaction), whoever holds the claim by now: the target
    accepted the message, so nobody must send it again. `then` (the batch's next message and its
    lease) is started in the same transaction (as `_start` would), one write instead of two per
    message; returns the outcome and whether `then` was started."""
    now = clock.now()
    at = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_SENT_SQL, [S.SENT.value, at, external_id[:255], msg.pk, S.SENT.value])
        cur.execute(_ATTEMPT_SQL, [msg.pk, at, "sent"])
        started = _start(then[0], then[1]) if then is not None else False
    return Outcome(msg.pk, "sent"), started


def _deliver_claimed(msgs: list[OutboxMessage], wake: Wake) -> list[Outcome]:
    """Call the target for each claimed message (outside any transaction, its lease kept alive while
    the call is in flight) and record each outcome as soon as the target answers."""
    outcomes: list[Outcome] = []
    paused: dict[str, datetime] = {}
    leases = dict(
        TargetBudget.objects.filter(target__in={m.target for m in msgs}).values_list("target", "lease_seconds")
    )
    started_pk: int | None = None  # the message the previous success already started
    for i, msg in enumerate(msgs):
        if msg.target in paused:  # the target said 429 earlier in this batch: hand the rest back
            _release(msg, paused[msg.target])
            outcomes.append(Outcome(msg.pk, "throttled"))
            continue
        seconds = float(leases.get(msg.target, 10.0))
        if started_pk != msg.pk and not _start(msg, seconds):
            outcomes.append(Outcome(msg.pk, "skipped"))
            continue
        started_pk = None
        try:
            with _keeper.watch(msg, seconds):
                external_id = _call(msg)
        except IntegrationError as exc:
            if exc.throttled and not exc.permanent:
                out, until = _throttled(msg, exc.message, retry_after=exc.retry_after, wake=wake)
                paused[msg.target] = until
            else:
                out = _failed(msg, exc.message, permanent=exc.permanent, retry_after=exc.retry_after, wake=wake)
                if exc.retry_after is not None and not exc.permanent:
                    paused[msg.target] = clock.now() + timedelta(seconds=exc.retry_after)
            outcomes.append(out)
            continue
        except Exception as exc:
            log.exception("outbox %s: unexpected adapter error", msg.pk)
            outcomes.append(
                _failed(
                    msg, f"unexpected {exc.__class__.__name__}: {exc}", permanent=False, retry_after=None, wake=wake
                )
            )
            continue
        nxt = msgs[i + 1] if i + 1 < len(msgs) else None
        then = (nxt, float(leases.get(nxt.target, 10.0))) if nxt is not None and nxt.target not in paused else None
        out, started = _sent(msg, external_id, then)
        outcomes.append(out)
        started_pk = nxt.pk if started and nxt is not None else None
    return outcomes


def _release(msg: OutboxMessage, until: datetime) -> None:
    """Give a claimed, not attempted message back (a claim costs no attempt)."""
    OutboxMessage.objects.filter(pk=msg.pk, status=S.DELIVERING, claim_token=msg.claim_token).update(
        status=S.RETRYING if msg.attempts else S.QUEUED, next_attempt_at=until, lease_until=None
    )


def _throttled(msg: OutboxMessage, error: str, *, retry_after: float | None, wake: Wake) -> tuple[Outcome, datetime]:
    """The target answered 429: pause the whole target for its Retry-After (or the budget's
    `throttle_pause_seconds`) and hand the message back without spending an attempt."""
    now = clock.now()
    with transaction.atomic():
        budget = TargetBudget.objects.select_for_update(of=("self",)).get(target=msg.target)
        until = now + timedelta(seconds=retry_after if retry_after is not None else budget.throttle_pause_seconds)
        if budget.paused_until is None or budget.paused_until < until:
            budget.paused_until = until
            budget.save(update_fields=["paused_until"])
        OutboxMessage.objects.filter(pk=msg.pk, status=S.DELIVERING, claim_token=msg.claim_token).update(
            status=S.RETRYING if msg.attempts > 1 else S.QUEUED,
            attempts=F("attempts") - 1,
            throttled=F("throttled") + 1,
            next_attempt_at=until,
            lease_until=None,
            last_error=error[:4000],
        )
        OutboxAttempt.objects.create(message=msg, at=now, outcome="throttled", error=error[:4000])
    msg.attempts -= 1
    wake(at=until)
    return Outcome(msg.pk, "throttled", error), until


def outbox_deliver_one(*, message_id: int, wake: Wake = _no_wake) -> Outcome:
    """Claim and deliver one message if it is due. Never raises for a target failure; `wake` is
    asked for a sweep at each retry, throttle or lease expiry."""
    msgs, states = _claim_many([message_id], wake)
    if not msgs:
        return Outcome(message_id, states.get(message_id, "skipped"))
    return _deliver_claimed(msgs, wake)[0]


def _failed(msg: OutboxMessage, error: str, *, permanent: bool, retry_after: float | None, wake: Wake) -> Outcome:
    now = clock.now()
    with transaction.atomic():
        budget = TargetBudget.objects.select_for_update(of=("self",)).get(target=msg.target)
        if permanent or msg.attempts >= budget.max_attempts:
            status, when = S.PARKED, now
            reason = error if permanent else f"gave up after {msg.attempts} attempts: {error}"
        else:
            status, reason = S.RETRYING, error
            if retry_after is not None:
                when = now + timedelta(seconds=retry_after)
                budget.paused_until = when  # the whole target asked us to wait
                budget.save(update_fields=["paused_until"])
            else:
                delay = backoff_seconds(msg.attempts, base=budget.backoff_base_seconds, cap=budget.backoff_cap_seconds)
                when = now + timedelta(seconds=delay)
        OutboxMessage.objects.filter(pk=msg.pk, status=S.DELIVERING, claim_token=msg.claim_token).update(
            status=status, next_attempt_at=when, lease_until=None, last_error=reason[:4000]
        )
        OutboxAttempt.objects.create(message=msg, at=now, outcome=str(status), error=reason[:4000])
        if status == S.RETRYING:
            wake(at=when)
    return Outcome(msg.pk, str(status), reason)


def outbox_due_ids(*, limit: int = 100, target: str | None = None) -> list[int]:
    qs = _due(clock.now())
    if target:
        qs = qs.filter(target=target)
    return list(qs.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


def outbox_deliver_due(
    *, message_ids: list[int] | None = None, limit: int = 100, batch: int = 20, wake: Wake = _no_wake
) -> int:
    """Deliver the given messages (if due) and then up to `limit` other due messages, claiming them
    `batch` at a time. Returns how many were sent; `wake` as in `outbox_deliver_one`."""
    sent = 0
    todo = list(dict.fromkeys([*(message_ids or []), *outbox_due_ids(limit=limit)]))
    for i in range(0, len(todo), batch):
        msgs, _ = _claim_many(todo[i : i + batch], wake)
        sent += sum(1 for o in _deliver_claimed(msgs, wake) if o.result == "sent")
    return sent


def outbox_drain(
    *,
    max_seconds: float | None = None,
    batch: int | None = None,
    linger_seconds: float = 0.0,
    wake: Wake = _no_wake,
) -> int:
    """Keep delivering due messages until none is left (or `max_seconds` passed), then keep looking
    for `linger_seconds` more: a short poll (`PSDESK_OUTBOX_POLL_MIN_SECONDS`) doubling up to
    `PSDESK_OUTBOX_POLL_MAX_SECONDS` while nothing comes, back to the short one after each message.
    Under a steady stream the worker that is already running picks each commit up within a few
    milliseconds instead of waiting for the task queue's own poll; once the stream stops it returns
    (and the worker goes back to the queue) after `linger_seconds`, so an idle worker costs nothing.
    Returns how many were sent. Used by the worker task so one task empties the queue instead of one
    task per row."""
    max_seconds = float(getattr(settings, "PSDESK_OUTBOX_DRAIN_SECONDS", 30.0) if max_seconds is None else max_seconds)
    batch = int(getattr(settings, "PSDESK_OUTBOX_BATCH", 20) if batch is None else batch)
    poll_min = float(getattr(settings, "PSDESK_OUTBOX_POLL_MIN_SECONDS", 0.005))
    poll_max = max(poll_min, float(getattr(settings, "PSDESK_OUTBOX_POLL_MAX_SECONDS", 0.25)))
    start = time.monotonic()
    deadline = start + max_seconds
    sent = 0
    idle_since: float | None = None
    poll = poll_min
    while (now := time.monotonic()) < deadline:
        ids = outbox_due_ids(limit=batch)
        msgs = _claim_many(ids, wake)[0] if ids else []
        if msgs:
            sent += sum(1 for o in _deliver_claimed(msgs, wake) if o.result == "sent")
            idle_since, poll = None, poll_min
            continue
        # Nothing claimed: none due, another worker took this batch, or the target is out of budget
        # (those messages were moved to when it refills, so they are no longer due).
        idle_since = now if idle_since is None else idle_since
        left = min(linger_seconds - (now - idle_since), deadline - now)
        if left <= 0:
            break
        time.sleep(min(poll, left))
        poll = min(poll * 2, poll_max)
    return sent
