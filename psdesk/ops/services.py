"""The scheduler: each periodic job runs exactly once per period, whatever the number of scheduler
processes on whatever machines, with no cron.

A period is an epoch-aligned window of the job's `interval_seconds` (a 300 s job has periods
16:00:00, 16:05:00, …). `scheduler_tick` inserts a `JobRun(job, period_start)` for every enabled
job whose current period has none; the unique constraint on that pair is the lease. The first
insert wins, every concurrent one fails with IntegrityError and skips (PostgreSQL makes the second
insert wait for the first to commit; SQLite serialises writers). With the database task backend
the winner enqueues the job's task in the same transaction, so a claimed period always has its
task and an unclaimed one never does. With Redis the task is enqueued after the commit: a
scheduler killed in between loses that one period (it runs again next period), never doubles it.

A period the scheduler missed entirely (all schedulers down) is not caught up: the next tick
runs the current period only.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django_tasks_db.backend import DatabaseBackend

from psdesk.core import clock
from psdesk.ops.jobs import JOBS
from psdesk.ops.models import JobRun, ScheduledJob

log = logging.getLogger("psdesk.ops.scheduler")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Claim:
    job: str
    period_start: datetime
    run_id: int


def scheduler_holder() -> str:
    """This process's name in `JobRun.claimed_by`."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def period_start_for(*, at: datetime, interval_seconds: int) -> datetime:
    """The start of the epoch-aligned period of `interval_seconds` that contains `at`."""
    elapsed = int((at - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=elapsed - elapsed % max(1, interval_seconds))


def scheduled_jobs_ensure() -> list[ScheduledJob]:
    """Create the `ScheduledJob` row of every job in `JOBS` that has none (default period, enabled);
    rows an operator edited are left alone. Returns every row of a known job."""
    for job in JOBS.values():
        ScheduledJob.objects.get_or_create(key=job.key, defaults={"interval_seconds": job.default_interval_seconds})
    return list(ScheduledJob.objects.filter(key__in=JOBS))


def _enqueue(run: JobRun) -> None:
    task = JOBS[run.job_id].task
    if isinstance(task.get_backend(), DatabaseBackend):
        run.task_id = str(task.enqueue().id)  # same transaction as the claim
        run.save(update_fields=["task_id"])
        return

    def after_commit() -> None:
        task_id = str(task.enqueue().id)
        JobRun.objects.filter(pk=run.pk).update(task_id=task_id)

    transaction.on_commit(after_commit)


def job_claim(*, job: ScheduledJob, now: datetime, holder: str) -> Claim | None:
    """Claim `job`'s current period and enqueue its task, or None when another scheduler (or an
    earlier tick) already claimed it."""
    period_start = period_start_for(at=now, interval_seconds=job.interval_seconds)
    if JobRun.objects.filter(job=job, period_start=period_start).exists():
        return None  # cheap path for the usual case; the insert below is what decides
    try:
        with transaction.atomic():
            run = JobRun.objects.create(job=job, period_start=period_start, claimed_by=holder, claimed_at=now)
            _enqueue(run)
    except IntegrityError:
        return None
    log.info("scheduled %s for the period starting %s", job.key, period_start.isoformat(), extra={"job": job.key})
    return Claim(job=job.key, period_start=period_start, run_id=run.pk)


def scheduler_tick(*, now: datetime | None = None, holder: str | None = None) -> list[Claim]:
    """One pass of the scheduler: claim (and enqueue) every enabled job whose current period is
    unclaimed. Safe to call from any number of processes at once."""
    now = now or clock.now()
    holder = holder or scheduler_holder()
    claims = []
    for job in scheduled_jobs_ensure():
        if job.enabled:
            claim = job_claim(job=job, now=now, holder=holder)
            if claim is not None:
                claims.append(claim)
    return claims


def scheduler_next_due(*, now: datetime | None = None) -> datetime:
    """When the next period of any enabled job starts (the scheduler sleeps until then)."""
    now = now or clock.now()
    starts = [
        period_start_for(at=now, interval_seconds=j.interval_seconds) + timedelta(seconds=j.interval_seconds)
        for j in ScheduledJob.objects.filter(enabled=True, key__in=JOBS)
    ]
    return min(starts, default=now + timedelta(minutes=1))
