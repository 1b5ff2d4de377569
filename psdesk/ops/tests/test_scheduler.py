"""The scheduler runs each periodic job exactly once per period, however many schedulers race:
threads in one process and separate processes on one database (SQLite here, PostgreSQL in CI's
second run). No sleep decides an outcome: the racers meet at a barrier, then the database does."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from psdesk.ops.jobs import JOBS
from psdesk.ops.models import JobRun, ScheduledJob
from psdesk.ops.services import job_claim, period_start_for, scheduled_jobs_ensure, scheduler_next_due, scheduler_tick
from psdesk.ops.tests.conftest import child_env

NOW = datetime(2026, 11, 27, 16, 2, 30, tzinfo=UTC)


def test_periods_are_epoch_aligned_windows() -> None:
    assert period_start_for(at=NOW, interval_seconds=300) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert period_start_for(at=NOW, interval_seconds=86400) == datetime(2026, 11, 27, tzinfo=UTC)
    edge = datetime(2026, 11, 27, 16, 5, tzinfo=UTC)
    assert period_start_for(at=edge, interval_seconds=300) == edge


@pytest.mark.django_db
def test_a_tick_enqueues_each_enabled_job_once_per_period() -> None:
    scheduled_jobs_ensure()
    ScheduledJob.objects.filter(key="forecast-refresh").update(enabled=False)
    first = scheduler_tick(now=NOW, holder="a:1")
    assert sorted(c.job for c in first) == ["audit-anchor-check", "renders-reask", "sla-sweep", "stale-card-sweep"]
    assert scheduler_tick(now=NOW + timedelta(seconds=60), holder="b:2") == []  # same periods
    later = scheduler_tick(now=NOW + timedelta(minutes=5), holder="b:2")
    assert sorted(c.job for c in later) == ["renders-reask", "sla-sweep"]  # only the 5-minute jobs have a new period
    # Every claim enqueued its task, in the same transaction (database backend).
    for run in JobRun.objects.all():
        task = DBTaskResult.objects.get(id=run.task_id)
        assert task.task_path == JOBS[run.job_id].task.module_path
    assert DBTaskResult.objects.filter(task_path=JOBS["sla-sweep"].task.module_path).count() == 2
    assert scheduler_next_due(now=NOW) == datetime(2026, 11, 27, 16, 5, tzinfo=UTC)


@pytest.mark.django_db
def test_an_edited_period_applies_from_the_next_tick() -> None:
    scheduled_jobs_ensure()
    ScheduledJob.objects.update(enabled=False)
    ScheduledJob.objects.filter(key="sla-sweep").update(enabled=True, interval_seconds=60)
    assert len(scheduler_tick(now=NOW)) == 1
    assert len(scheduler_tick(now=NOW + timedelta(seconds=60))) == 1
    assert JobRun.objects.filter(job_id="sla-sweep").count() == 2


@pytest.mark.django_db(transaction=True)
def test_racing_threads_claim_a_period_once() -> None:
    job = scheduled_jobs_ensure()[0]
    parties = 6
    barrier = threading.Barrier(parties)
    won: list[Any] = []
    errors: list[BaseException] = []

    def race(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            claim = job_claim(job=job, now=NOW, holder=f"thread:{n}")
            if claim is not None:
                won.append(claim)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(parties)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(won) == 1
    assert JobRun.objects.filter(job=job).count() == 1
    assert DBTaskResult.objects.filter(task_path=JOBS[job.key].task.module_path).count() == 1


_RACER = """
import json, os, time
from datetime import datetime
from pathlib import Path
from psdesk.ops.services import scheduler_tick
gate = Path(os.environ["BARRIER_DIR"])
(gate / str(os.getpid())).touch()
deadline = time.monotonic() + 90
while len(list(gate.iterdir())) < int(os.environ["PARTIES"]) and time.monotonic() < deadline:
    time.sleep(0.005)  # wait at the barrier: every racer is set up before any claims
claims = scheduler_tick(now=datetime.fromisoformat(os.environ["NOW"]))
print(json.dumps([c.job for c in claims]))
"""


@pytest.mark.django_db(transaction=True)
def test_racing_scheduler_processes_claim_each_period_once(db_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    from psdesk.ops.tests.conftest import ROOT

    parties = 4
    env = child_env(DATABASE_URL=db_url, BARRIER_DIR=str(tmp_path), PARTIES=str(parties), NOW=NOW.isoformat())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "import django; django.setup()\n" + _RACER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(parties)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * parties, [err[-2000:] for _, err in outputs]
    claimed = Counter(job for out, _ in outputs for job in json.loads(out.strip().splitlines()[-1]))
    assert claimed == Counter(dict.fromkeys(JOBS, 1))  # every job once, by exactly one process
    assert JobRun.objects.count() == len(JOBS)
    assert len({r.claimed_by for r in JobRun.objects.all()}) >= 1
    for job in JOBS.values():
        assert DBTaskResult.objects.filter(task_path=job.task.module_path).count() == 1


def test_the_tick_command_refuses_a_naive_time() -> None:
    with pytest.raises(CommandError, match="needs a UTC offset"):
        call_command("ops", "tick", "--now", "2026-11-27T16:00")


@pytest.mark.django_db
def test_the_jobs_command_lists_every_job() -> None:
    out = io.StringIO()
    call_command("ops", "jobs", stdout=out)
    assert [line.split()[0] for line in out.getvalue().splitlines()] == sorted(JOBS)
