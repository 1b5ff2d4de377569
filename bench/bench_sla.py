"""SLA: business-time addition per call (target ≤ 0.1 ms) and `sla sweep` over 100,000 timers of
which 10,000 cross a threshold and notify real people (target ≤ 5 s), each beside a floor measured
in the same run.

The 10,000 crossing timers sit on 10,000 real engagements (an EM each, and an account owner), so
the sweep routes, renders and writes real in-app notifications, emails and chat messages to the
outbox. The 90,000 on-track timers are on targets the sweep never loads (they cross nothing).
The sweep's floor is what the database alone costs for the sweep's writes: the very rows the sweep
wrote (every in-app row and outbox message, HTML emails included), read back, adapted for the
database beforehand and inserted again with one executemany per table and committed, with every
index of those tables in place, in the same run. Routing, rendering, JSON and the timer UPDATEs
are the sweep's own work above it. (Wave 3's floor pushed the same rows through bulk_create, which
spends more time building model instances than the database spends storing them; that figure is
printed beside it for comparison.)

Before the sweep the process loads its URLconf and the email templates, as a long-running worker
has by its first sweep (importing every URLconf and building the API costs ~1.5 s once).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

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
    from django.template.loader import get_template
    from django.urls import reverse

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

    # a worker process has its URLconf and templates loaded before its first sweep: do the same here
    # (the first reverse() imports every URLconf and builds the API, ~1.5 s, once per process)
    reverse("notifications:preferences")  # imports every URLconf and fills the reverse lookup tables
    for name in ("notification.txt", "notification.html", "base.html"):
        get_template(f"notifications/email/{name}")

    t0 = time.perf_counter()
    first = sla_sweep(now=now)
    first_ms = (time.perf_counter() - t0) * 1000
    n_in_app = Notification.objects.count()
    n_outbox = OutboxMessage.objects.count()

    in_app_ms, outbox_ms, orm_ms = _insert_floor(Notification), _insert_floor(OutboxMessage), _orm_insert()
    floor_ms = in_app_ms + outbox_ms
    print(
        f"   floor: the same {n_in_app:,} in-app and {n_outbox:,} outbox rows inserted and committed with "
        f"prepared parameters: {in_app_ms:.0f} + {outbox_ms:.0f} ms; through bulk_create: {orm_ms:.0f} ms",
        flush=True,
    )
    report(
        f"sla sweep, {N_TIMERS:,} timers, {N_CROSSING:,} notify real people",
        first_ms,
        floor_ms=floor_ms,
        target_ms=5000,
        extra=f"breached {first.breached:,}  at risk {first.at_risk:,}  notified {first.notified:,}"
        f"  ({n_in_app:,} in-app, {n_outbox:,} outbox rows)",
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


def _copied_rows(model: type[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row the sweep wrote into `model`'s table, every column but the id, with the values
    already adapted for the database (JSON serialised, datetimes converted) and fresh unique keys."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows: list[tuple[Any, ...]] = []
    for values in model.objects.order_by("pk").values_list(*(f.attname for f in fields)).iterator(chunk_size=5000):
        rows.append(
            tuple(
                f"floor:{len(rows)}" if f.name == "idempotency_key" else f.get_db_prep_save(v, connection)
                for f, v in zip(fields, values, strict=True)
            )
        )
    return [f.column for f in fields], rows


def _insert_floor(model: type[Any]) -> float:
    """The least the sweep's rows of `model` cost the database: the same rows (prepared
    parameters, nothing left to compute) inserted with one executemany and committed; the median of
    3, each removed again untimed."""
    from django.db import connection, transaction

    columns, rows = _copied_rows(model)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(map(qn, columns))}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 — names from the model
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        samples.append(time.perf_counter() - t0)
        model.objects.filter(pk__gt=last).delete()
    return median_ms(samples)


def _orm_insert() -> float:
    """The same rows through bulk_create (what wave 3 called the floor), once, rolled back."""
    from django.db import transaction

    from psdesk.notifications.models import Notification, OutboxMessage

    def copies(model: type[Any]) -> list[Any]:
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        return [model(**dict(zip(fields, v, strict=True))) for v in model.objects.values_list(*fields)]

    in_app: list[Notification] = copies(Notification)
    outbox: list[OutboxMessage] = copies(OutboxMessage)
    for i, o in enumerate(outbox):
        o.idempotency_key = f"orm:{i}"
    t0 = time.perf_counter()
    with transaction.atomic():
        Notification.objects.bulk_create(in_app, batch_size=1000)
        OutboxMessage.objects.bulk_create(outbox, batch_size=1000)
        transaction.set_rollback(True)
    return (time.perf_counter() - t0) * 1000


def run() -> None:
    with section("business calendar"):
        _calendar_bench()
    with section("sla sweep"):
        _sweep_bench()
