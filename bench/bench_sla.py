"""SLA: business-time addition per call (target ≤ 0.1 ms) and `sla sweep` over 100,000 timers
(target ≤ 5 s), each beside a floor measured in the same run."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench.common import median_ms, report, section, timed

N_TIMERS = 100_000


def _calendar_bench() -> None:
    from psdesk.core.calendar import BUSINESS_DAYS, WORKING_HOURS, BusinessCalendar

    cal = BusinessCalendar.build(country="US", subdivision="NY", timezone="America/New_York")
    rng = random.Random(7)
    starts = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)) for _ in range(1000)
    ]
    for s in starts:  # warm the holiday cache for both years
        cal.add(s, hours=72, unit=BUSINESS_DAYS)

    def floor() -> None:
        for s in starts:
            s + timedelta(hours=72)

    def add_days() -> None:
        for s in starts:
            cal.add(s, hours=72, unit=BUSINESS_DAYS)

    def add_hours() -> None:
        for s in starts:
            cal.add(s, hours=72, unit=WORKING_HOURS)

    def between() -> None:
        for s in starts:
            cal.between(s, s + timedelta(days=10), unit=WORKING_HOURS)

    f = median_ms(timed(floor, repeat=15)) / len(starts)
    report(
        "add 72 h, business_days (per call)",
        median_ms(timed(add_days, repeat=15)) / len(starts),
        floor_ms=f,
        target_ms=0.1,
    )
    report(
        "add 72 h, working_hours (per call)",
        median_ms(timed(add_hours, repeat=15)) / len(starts),
        floor_ms=f,
        target_ms=0.1,
    )
    report(
        "between over 10 days, working_hours (per call)", median_ms(timed(between, repeat=15)) / len(starts), floor_ms=f
    )


def _sweep_bench() -> None:
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from psdesk.sla.choices import TimerState, TimerStatus
    from psdesk.sla.defaults import defaults_seed
    from psdesk.sla.models import SlaPolicy, SlaTimer
    from psdesk.sla.services import sla_sweep

    defaults_seed()
    SlaTimer.objects.all().delete()
    policy = SlaPolicy.objects.get(key="estimate_shared")
    ct = ContentType.objects.get_for_model(User)
    now = datetime(2026, 11, 27, 16, tzinfo=UTC)
    rng = random.Random(11)
    t0 = time.perf_counter()
    batch = []
    for i in range(N_TIMERS):
        # ~5 % overdue, ~10 % past the warn point, the rest on track; 10 % paused or stopped
        r = rng.random()
        due = now + (timedelta(hours=-rng.randrange(1, 48)) if r < 0.05 else timedelta(hours=rng.randrange(1, 72)))
        warn = due - timedelta(hours=18) if r >= 0.15 else now - timedelta(hours=1)
        state = TimerState.RUNNING if rng.random() > 0.1 else rng.choice([TimerState.PAUSED, TimerState.STOPPED])
        batch.append(
            SlaTimer(
                policy=policy,
                target_type=ct,
                target_id=10_000_000 + i,  # no such users: notification look-ups find nothing
                state=state,
                status=TimerStatus.OK,
                started_at=due - timedelta(days=3),
                due_at=due,
                warn_at=warn,
            )
        )
    SlaTimer.objects.bulk_create(batch, batch_size=5000)
    print(f"   built {N_TIMERS:,} timers in {time.perf_counter() - t0:.1f} s", flush=True)

    def floor() -> None:
        with connection.cursor() as c:
            c.execute("SELECT COUNT(*) FROM sla_slatimer WHERE due_at <= %s", [now.isoformat()])
            c.fetchone()

    floor_ms = median_ms(timed(floor, repeat=5, warmup=1))
    t0 = time.perf_counter()
    first = sla_sweep(now=now)  # targets are not real rows: notifications are looked up and skipped
    first_ms = (time.perf_counter() - t0) * 1000
    report(
        f"sla sweep over {N_TIMERS:,} timers (first)",
        first_ms,
        floor_ms=floor_ms,
        target_ms=5000,
        extra=f"breached {first.breached:,}  at risk {first.at_risk:,}",
    )
    t0 = time.perf_counter()
    again = sla_sweep(now=now)
    report(
        "sla sweep again (idempotent, nothing to mark)",
        (time.perf_counter() - t0) * 1000,
        floor_ms=floor_ms,
        target_ms=5000,
        extra=f"breached {again.breached}  at risk {again.at_risk}",
    )
    SlaTimer.objects.all().delete()


def run() -> None:
    with section("business calendar"):
        _calendar_bench()
    with section("sla sweep"):
        _sweep_bench()
