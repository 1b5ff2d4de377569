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


def worker_wake(*, task: Task[Any, Any], message_ids: list[int]) -> None:
    """Enqueue the delivery `task` unless enough are already waiting (one per worker,
    `settings.PSDESK_OUTBOX_WORKERS`): a waiting task drains every due message, so more would be
    empty runs. Called after commit, so a waiting task is certain to see the new rows."""
    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").count()
    if waiting < int(getattr(settings, "PSDESK_OUTBOX_WORKERS", 2)):
        task.enqueue(message_ids=message_ids)
