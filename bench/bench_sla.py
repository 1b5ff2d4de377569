"""SLA: business-time addition per call (target ≤ 0.1 ms) and `sla sweep` over 100,000 timers of
which 10,000 cross a threshold and notify real people (target ≤ 5 s), each beside a floor measured
in the same run.

The 10,000 crossing timers sit on 10,000 real engagements (an EM each, and an account owner), so
the sweep routes, renders and writes real in-app notifications, emails and chat messages to the
outbox. The 90,000 on-track timers are on targets the sweep never loads (they cross nothing).
The sweep's floor: inserting the same in-app and outbox rows with bulk_create, nothing else.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench.common import median_ms, report, reset_database, section, timed

N_TIMERS = 100_000
N_CROSSING = 10_000


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
    from django.core.management import call_command
    from django.db import transaction

    from psdesk.crm.models import Account
    from psdesk.engagements.models import Engagement
    from psdesk.notifications.models import Notification, OutboxMessage
    from psdesk.sla.choices import TimerState, TimerStatus
    from psdesk.sla.defaults import defaults_seed
    from psdesk.sla.models import SlaPolicy, SlaTimer
    from psdesk.sla.services import sla_sweep

    reset_database()
    call_command("generate", "--engagements", str(N_CROSSING), "--open", str(N_CROSSING), verbosity=0)
    defaults_seed()
    Account.objects.filter(us_public_sector=False).update(owner=User.objects.get(username="alice"))
    policy = SlaPolicy.objects.get(key="estimate_shared")
    ct = ContentType.objects.get_for_model(Engagement)
    now = datetime(2026, 11, 27, 16, tzinfo=UTC)
    rng = random.Random(11)
    t0 = time.perf_counter()
    engagements = list(Engagement.objects.order_by("pk").values_list("pk", flat=True))
    batch = []
    for i in range(N_TIMERS):
        if i < N_CROSSING:  # half overdue, half past the warn point: each notifies its people once
            target = engagements[i]
            due = now + (timedelta(hours=-rng.randrange(1, 48)) if i % 2 else timedelta(hours=rng.randrange(1, 72)))
            warn = now - timedelta(hours=1)
            state = TimerState.RUNNING
        else:  # on track, or paused/stopped: the sweep leaves them alone
            target = 10_000_000 + i
            due = now + timedelta(hours=rng.randrange(30, 72))
            warn = due - timedelta(hours=18)
            state = TimerState.RUNNING if rng.random() > 0.1 else rng.choice([TimerState.PAUSED, TimerState.STOPPED])
        batch.append(
            SlaTimer(
                policy=policy,
                target_type=ct,
                target_id=target,
                state=state,
                status=TimerStatus.OK,
                started_at=due - timedelta(days=3),
                due_at=due,
                warn_at=warn,
            )
        )
    SlaTimer.objects.bulk_create(batch, batch_size=5000)
    print(f"   built {N_TIMERS:,} timers ({N_CROSSING:,} crossing) in {time.perf_counter() - t0:.1f} s", flush=True)

    t0 = time.perf_counter()
    first = sla_sweep(now=now)
    first_ms = (time.perf_counter() - t0) * 1000
    in_app = list(
        Notification.objects.values("recipient_id", "event", "title", "body", "url", "target_type_id", "target_id")
    )
    outbox = list(
        OutboxMessage.objects.values(
            "target", "operation", "destination", "event", "payload", "source_type_id", "source_id"
        )
    )

    def floor() -> None:
        # the sweep's writes alone: the same rows, bulk-inserted, rolled back
        with transaction.atomic():
            Notification.objects.bulk_create((Notification(**r) for r in in_app), batch_size=1000)
            OutboxMessage.objects.bulk_create(
                (OutboxMessage(**r, idempotency_key=f"floor:{i}") for i, r in enumerate(outbox)), batch_size=1000
            )
            transaction.set_rollback(True)

    floor_ms = median_ms(timed(floor, repeat=3, warmup=0))
    report(
        f"sla sweep, {N_TIMERS:,} timers, {N_CROSSING:,} notify real people",
        first_ms,
        floor_ms=floor_ms,
        target_ms=5000,
        extra=f"breached {first.breached:,}  at risk {first.at_risk:,}  notified {first.notified:,}"
        f"  ({len(in_app):,} in-app, {len(outbox):,} outbox rows)",
    )
    t0 = time.perf_counter()
    again = sla_sweep(now=now)
    report(
        "sla sweep again (idempotent, nothing to mark)",
        (time.perf_counter() - t0) * 1000,
        floor_ms=floor_ms,
        target_ms=5000,
        extra=f"breached {again.breached}  at risk {again.at_risk}  notified {again.notified}",
    )


def run() -> None:
    with section("business calendar"):
        _calendar_bench()
    with section("sla sweep"):
        _sweep_bench()
