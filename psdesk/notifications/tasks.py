"""Background tasks (django.tasks on the `outbox` queue) that deliver the outbox after commit.

`outbox_deliver_task` runs once per committed change; `outbox_sweep_task` is a deferred task
scheduled for the earliest retry, throttle or lease expiry, so retries and messages of a killed
worker are picked up (within the target's `lease_seconds`) with nothing but `db_worker` running.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.tasks import task

from psdesk.notifications.delivery import outbox_deliver_due, outbox_drain
from psdesk.notifications.wakeups import sweep_memo_reset, sweep_schedule, worker_woken


@task(queue_name="outbox")
def outbox_deliver_task(message_ids: list[int]) -> int:
    """Deliver the given messages if due, then drain everything else due, and make sure a sweep
    comes back for whatever is still pending (retries, leases). Returns how many were sent."""
    worker_woken(task=outbox_deliver_task)  # before reading the outbox: a commit after this point wakes another task
    wake = partial(sweep_schedule, task=outbox_sweep_task)
    linger = float(getattr(settings, "PSDESK_OUTBOX_LINGER_SECONDS", 2.0))
    sent = outbox_deliver_due(message_ids=message_ids, limit=0, wake=wake)
    sent += outbox_drain(linger_seconds=linger, wake=wake)
    sweep_schedule(task=outbox_sweep_task)
    return sent


@task(queue_name="outbox")
def outbox_sweep_task() -> int:
    """Deliver everything due and schedule the next sweep if work remains."""
    sweep_memo_reset()
    sent = outbox_deliver_due(limit=1000, wake=partial(sweep_schedule, task=outbox_sweep_task))
    sweep_schedule(task=outbox_sweep_task)
    return sent
