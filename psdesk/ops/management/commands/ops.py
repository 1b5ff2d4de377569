"""`psdesk ops <subcommand>`: run the periodic-job scheduler, or look at it."""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError
from django.db import close_old_connections

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core import clock
from psdesk.ops.selectors import jobs_status
from psdesk.ops.services import scheduled_jobs_ensure, scheduler_holder, scheduler_next_due, scheduler_tick

log = logging.getLogger("psdesk.ops.scheduler")


def _when(raw: str) -> datetime:
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--now must be an ISO 8601 date-time, e.g. 2026-11-27T16:00:00+00:00; got {raw!r}")
    if at.tzinfo is None:
        raise CommandError("--now needs a UTC offset (e.g. +00:00)")
    return at


class Command(ActorCommand):
    help = "The periodic-job scheduler (SLA sweep, stale-card sweep, forecast refresh, audit anchor check)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        p = add(
            "scheduler",
            "Run the scheduler until SIGTERM: enqueue each job once per period. Run one or more anywhere; "
            "they share the work through the database.",
            as_user=False,
        )
        p.add_argument("--poll", type=float, default=30.0, help="longest wait between passes, seconds (default 30)")
        p = add("tick", "One scheduler pass; prints one JSON line per job it enqueued.", as_user=False)
        p.add_argument("--now", help="the time to schedule for (ISO 8601 with offset; default: now)")
        add("jobs", "List the jobs, their periods and their latest run.", as_user=False)

    def do_tick(self, user: None, o: dict[str, Any]) -> None:
        now = _when(o["now"]) if o.get("now") else None
        for c in scheduler_tick(now=now):
            self.stdout.write(json.dumps({"job": c.job, "period_start": c.period_start.isoformat(), "run": c.run_id}))

    def do_jobs(self, user: None, o: dict[str, Any]) -> None:
        scheduled_jobs_ensure()
        for j in jobs_status():
            last = j.last_period_start.isoformat() if j.last_period_start else "never"
            state = "on " if j.enabled else "off"
            self.stdout.write(f"{j.key:20} {state} every {j.interval_seconds:>6}s  runs {j.runs:>5}  last {last}")

    def do_scheduler(self, user: None, o: dict[str, Any]) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        holder = scheduler_holder()
        log.info("scheduler %s started", holder)
        while not stop.is_set():
            try:
                for c in scheduler_tick(holder=holder):
                    self.stdout.write(f"{c.job}: enqueued for the period starting {c.period_start.isoformat()}")
                wait = (scheduler_next_due() - clock.now()).total_seconds()
            except Exception:
                log.exception("scheduler pass failed; trying again")  # a database blip must not end the loop
                wait = o["poll"]
            finally:
                close_old_connections()
            stop.wait(min(max(wait, 0.05), o["poll"]))
        log.info("scheduler %s stopped", holder)
