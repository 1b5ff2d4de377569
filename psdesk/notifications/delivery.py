"""Delivering the outbox: claim a due message (compare-and-set + lease), take a token from the
target's budget, call the adapter outside any transaction, record the outcome.

Outcomes: sent; retrying (transient failure: exponential backoff with jitter, or the target's
Retry-After); parked (permanent failure or attempts exhausted; a human replays it). A worker that dies
mid-delivery leaves the row `delivering` with a lease; once the lease expires another worker claims it
and delivers again with the same idempotency key, so a target that honours the key (or our fakes)
does not see a duplicate.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from psdesk.core import clock
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import OPERATIONS, adapter_get
from psdesk.notifications.choices import OutboxStatus
from psdesk.notifications.models import OutboxAttempt, OutboxMessage, TargetBudget

log = logging.getLogger(__name__)
S = OutboxStatus
LEASE = timedelta(seconds=120)
_rng = random.Random()

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


def _claimable(now: datetime) -> Q:
    return Q(status__in=[S.QUEUED, S.RETRYING], next_attempt_at__lte=now) | Q(status=S.DELIVERING, lease_until__lt=now)


def _claim(message_id: int) -> tuple[OutboxMessage | None, str]:
    """Take a budget token and claim the message in one short transaction."""
    now = clock.now()
    with transaction.atomic():
        msg = OutboxMessage.objects.filter(_claimable(now), pk=message_id).first()
        if msg is None:
            return None, "skipped"
        budget_for(msg.target)
        budget = TargetBudget.objects.select_for_update().get(target=msg.target)
        if budget.paused_until and budget.paused_until > now:
            OutboxMessage.objects.filter(pk=msg.pk, status__in=[S.QUEUED, S.RETRYING]).update(
                next_attempt_at=budget.paused_until
            )
            _wake_at(budget.paused_until)
            return None, "throttled"
        tokens = _refill(budget, now)
        if tokens < 1:
            wait = (1 - tokens) / budget.refill_per_second if budget.refill_per_second > 0 else 3600
            OutboxMessage.objects.filter(pk=msg.pk, status__in=[S.QUEUED, S.RETRYING]).update(
                next_attempt_at=now + timedelta(seconds=wait)
            )
            budget.tokens, budget.refreshed_at = tokens, now
            budget.save(update_fields=["tokens", "refreshed_at"])
            _wake_at(now + timedelta(seconds=wait))
            return None, "throttled"
        claimed = OutboxMessage.objects.filter(_claimable(now), pk=msg.pk).update(
            status=S.DELIVERING, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
        if not claimed:
            return None, "skipped"
        budget.tokens, budget.refreshed_at = tokens - 1, now
        budget.save(update_fields=["tokens", "refreshed_at"])
    msg.refresh_from_db()
    _wake_at(now + LEASE)  # if this worker dies mid-delivery, a sweep picks the message up again
    return msg, "claimed"


def _call(msg: OutboxMessage) -> None:
    if msg.operation not in OPERATIONS.get(msg.target, frozenset()):
        raise IntegrationError(f"Unknown operation {msg.target}.{msg.operation}", permanent=True)
    adapter = adapter_get(msg.target)
    payload = {k: v for k, v in msg.payload.items() if not (msg.target == "chat" and k == "channel")}
    if msg.target == "chat":
        payload["channel"] = msg.payload.get("channel", msg.destination)
    getattr(adapter, msg.operation)(**payload, idempotency_key=msg.idempotency_key)


def outbox_deliver_one(*, message_id: int) -> Outcome:
    """Claim and deliver one message if it is due. Never raises for a target failure."""
    msg, state = _claim(message_id)
    if msg is None:
        return Outcome(message_id, state)
    try:
        _call(msg)
    except IntegrationError as exc:
        return _failed(msg, exc.message, permanent=exc.permanent, retry_after=exc.retry_after)
    except Exception as exc:
        log.exception("outbox %s: unexpected adapter error", msg.pk)
        return _failed(msg, f"unexpected {exc.__class__.__name__}: {exc}", permanent=False, retry_after=None)
    now = clock.now()
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=msg.pk, status=S.DELIVERING, attempts=msg.attempts).update(
            status=S.SENT, sent_at=now, lease_until=None, last_error=""
        )
        OutboxAttempt.objects.create(message=msg, at=now, outcome="sent")
    return Outcome(msg.pk, "sent")


def _failed(msg: OutboxMessage, error: str, *, permanent: bool, retry_after: float | None) -> Outcome:
    now = clock.now()
    with transaction.atomic():
        budget = TargetBudget.objects.select_for_update().get(target=msg.target)
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
        OutboxMessage.objects.filter(pk=msg.pk, status=S.DELIVERING, attempts=msg.attempts).update(
            status=status, next_attempt_at=when, lease_until=None, last_error=reason[:4000]
        )
        OutboxAttempt.objects.create(message=msg, at=now, outcome=str(status), error=reason[:4000])
        if status == S.RETRYING:
            _wake_at(when)
    return Outcome(msg.pk, str(status), reason)


def _wake_at(when: datetime) -> None:
    from psdesk.notifications.tasks import outbox_schedule_sweep

    outbox_schedule_sweep(when)


def outbox_due_ids(*, limit: int = 100, target: str | None = None) -> list[int]:
    qs = OutboxMessage.objects.filter(_claimable(clock.now()))
    if target:
        qs = qs.filter(target=target)
    return list(qs.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


def outbox_deliver_due(*, message_ids: list[int] | None = None, limit: int = 100) -> int:
    """Deliver the given messages (if due) and then up to `limit` other due messages.
    Returns how many were sent."""
    sent = 0
    seen: set[int] = set()
    for mid in [*(message_ids or []), *outbox_due_ids(limit=limit)]:
        if mid in seen:
            continue
        seen.add(mid)
        if outbox_deliver_one(message_id=mid).result == "sent":
            sent += 1
    return sent
