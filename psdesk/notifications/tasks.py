"""Background tasks (django.tasks on the `outbox` queue) that deliver the outbox after commit.

`outbox_deliver_task` runs once per committed change; `outbox_sweep_task` is a deferred task
scheduled for the earliest retry, throttle or lease expiry, so retries and messages of a killed
worker are picked up with nothing but `db_worker` running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.tasks import task

from psdesk.core import clock

_SWEEP_PATH = "psdesk.notifications.tasks.outbox_sweep_task"
_DELIVER_PATH = "psdesk.notifications.tasks.outbox_deliver_task"
_scheduled_for: datetime | None = None  # per process: a sweep already exists at or before this time


@task(queue_name="outbox")
def outbox_deliver_task(message_ids: list[int]) -> int:
    """Deliver the given messages if due, then drain everything else due. Returns how many were sent."""
    from psdesk.notifications.delivery import outbox_deliver_due, outbox_drain

    return outbox_deliver_due(message_ids=message_ids, limit=0) + outbox_drain()


def outbox_wake(message_ids: list[int]) -> None:
    """Enqueue a delivery task unless enough are already waiting (one per worker,
    `settings.PSDESK_OUTBOX_WORKERS`): a waiting task drains every due message, so more would be
    empty runs. Called after commit, so a waiting task is certain to see the new rows."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=_DELIVER_PATH, status="READY").count()
    if waiting < int(getattr(settings, "PSDESK_OUTBOX_WORKERS", 2)):
        outbox_deliver_task.enqueue(message_ids=message_ids)


@task(queue_name="outbox")
def outbox_sweep_task() -> int:
    """Deliver everything due and schedule the next sweep if work remains."""
    from psdesk.notifications.delivery import outbox_deliver_due

    global _scheduled_for
    _scheduled_for = None
    sent = outbox_deliver_due(limit=1000)
    outbox_schedule_sweep()
    return sent


def outbox_schedule_sweep(at: datetime | None = None) -> None:
    """Make sure a sweep task will run at `at` (default: the earliest pending retry or lease expiry).
    Cheap when one is already scheduled early enough."""
    global _scheduled_for
    if not getattr(settings, "PSDESK_OUTBOX_ENQUEUE_TASKS", True):
        return
    from django_tasks_db.models import DBTaskResult

    from psdesk.notifications.choices import OutboxStatus as S
    from psdesk.notifications.models import OutboxMessage

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
    pending = DBTaskResult.objects.filter(task_path=_SWEEP_PATH, status="READY").aggregate(t=Min("run_after"))["t"]
    delay = max(0.0, (at - clock.now()).total_seconds()) + 0.05
    run_after = datetime.now(UTC) + timedelta(seconds=delay)
    if pending is not None and pending <= run_after:
        _scheduled_for = at
        return
    transaction.on_commit(lambda: outbox_sweep_task.using(run_after=run_after).enqueue(), robust=True)
    _scheduled_for = at
