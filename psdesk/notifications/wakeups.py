"""When the outbox worker must wake: enqueue a delivery task after a commit, and keep one deferred
sweep task scheduled for the earliest retry, throttle or lease expiry.

A sweep is what takes over a dead worker's messages: every claim asks for one at its lease's end,
and with the database task backend that sweep row is written in the claim's own transaction, so no
claim can commit without the sweep that would recover it (a worker killed right after committing
leaves both). A killed worker's task stays RUNNING in django_tasks_db forever; nothing here waits on
RUNNING tasks, only on READY ones a live worker will pick up.

The task objects are passed in by their callers (`tasks.py` for the sweep, `services.py` for the
delivery task), so this module sits below `tasks.py` and `delivery.py` can be handed a `wake`
callback without importing the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.tasks import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_redis import RedisTaskBackend

from psdesk.core import clock
from psdesk.notifications.choices import OutboxStatus as S
from psdesk.notifications.models import OutboxMessage

_scheduled_for: datetime | None = None  # per process: a sweep already exists at or before this time


def sweep_memo_reset() -> None:
    """Forget the per-process 'a sweep is scheduled' memo (the sweep that set it is running now)."""
    global _scheduled_for
    _scheduled_for = None


def sweep_schedule(*, task: Task[Any, Any], at: datetime | None = None) -> None:
    """Make sure the sweep `task` will run at `at` (default: the earliest pending retry or lease
    expiry). Cheap when one is already scheduled early enough; enqueues after commit; does nothing
    when `settings.PSDESK_OUTBOX_ENQUEUE_TASKS` is off."""
    global _scheduled_for
    if not getattr(settings, "PSDESK_OUTBOX_ENQUEUE_TASKS", True):
        return
    if at is None:
        agg = OutboxMessage.objects.filter(status__in=[S.QUEUED, S.RETRYING]).aggregate(t=Min("next_attempt_at"))
        lease = OutboxMessage.objects.filter(status=S.DELIVERING).aggregate(t=Min("lease_until"))
        candidates = [t for t in (agg["t"], lease["t"]) if t is not None]
        if not candidates:
            return
        at = min(candidates)
    if _scheduled_for is not None and _scheduled_for < clock.now():
        _scheduled_for = None  # that sweep has run (or is running) by now
    if _scheduled_for is not None and _scheduled_for <= at:
        return
    pending = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").aggregate(t=Min("run_after"))["t"]
    delay = max(0.0, (at - clock.now()).total_seconds()) + 0.05
    run_after = datetime.now(UTC) + timedelta(seconds=delay)
    if pending is not None and pending <= run_after:
        _scheduled_for = at
        return
    if isinstance(task.get_backend(), DatabaseBackend):
        task.using(run_after=run_after).enqueue()  # in the caller's transaction: commits with the claim
    else:
        transaction.on_commit(lambda: task.using(run_after=run_after).enqueue(), robust=True)
    _scheduled_for = at


# A counter of delivery tasks enqueued and not yet started, kept in Redis when the task backend is
# Redis (with the database backend the READY rows are that count, exactly and transactionally).
# Reserve: +1 unless enough are waiting; the task's first act is -1. The key expires
# `PSDESK_OUTBOX_WAKE_STALE_SECONDS` after the last reservation, so a task lost before it started
# (a flushed Redis, a purged queue) can only cause an extra wake-up later, never a missing one.
_RESERVE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
_RELEASE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


def _redis_counter(task: Task[Any, Any]) -> tuple[Any, str] | None:
    """(client, key) of the waiting-wake-ups counter when `task` runs on the Redis backend."""
    backend = task.get_backend()
    if not isinstance(backend, RedisTaskBackend):
        return None
    return backend.get_client(), f"{backend.key_prefix}:{backend.alias}:outbox:wakeups-waiting"


def _limit() -> int:
    return max(1, int(getattr(settings, "PSDESK_OUTBOX_WORKERS", 2)))


def worker_wake(*, task: Task[Any, Any], message_ids: list[int]) -> bool:
    """Enqueue the delivery `task` unless enough are already waiting (one per worker,
    `settings.PSDESK_OUTBOX_WORKERS`): a waiting task drains every due message, so more would be
    empty runs. Called once per committed transaction (see `services._wake_after_commit`), so a
    waiting task is certain to see the new rows: it has not read the outbox yet. A burst of commits
    therefore costs one enqueue per worker, whatever the backend. Returns whether it enqueued."""
    if isinstance(task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").count()
        if waiting >= _limit():
            return False
        task.enqueue(message_ids=message_ids)
        return True
    counter = _redis_counter(task)
    if counter is None:  # the immediate / dummy backends of tests: nothing waits, nothing to coalesce
        task.enqueue(message_ids=message_ids)
        return True
    client, key = counter
    ttl_ms = int(float(getattr(settings, "PSDESK_OUTBOX_WAKE_STALE_SECONDS", 60)) * 1000)
    if not client.eval(_RESERVE, 1, key, _limit(), ttl_ms):
        return False
    try:
        task.enqueue(message_ids=message_ids)
    except Exception:
        client.eval(_RELEASE, 1, key)
        raise
    return True


def worker_woken(*, task: Task[Any, Any]) -> None:
    """The delivery `task` has started (and has not read the outbox yet): it no longer counts as
    waiting, so the next commit enqueues another one."""
    counter = _redis_counter(task)
    if counter is not None:
        client, key = counter
        client.eval(_RELEASE, 1, key)
