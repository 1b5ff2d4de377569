"""The forecast run (the worker's job): committed work placed deterministically, tentative work
sampled, stored as the latest run with its results, lead-time table and samples for what-ifs."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.scheduling import forecast as fc
from psdesk.scheduling.choices import ServiceType
from psdesk.scheduling.models import ForecastPolicy, ForecastResult, ForecastRun, LeadTime
from psdesk.scheduling.selectors.forecast_runs import (
    ForecastInputs,
    forecast_inputs_get,
    policy_get,
    run_samples_forget,
)
from psdesk.scheduling.services.notices import coordinators_notify

KEEP_RUNS = 5
MIN_SAMPLES = 200  # the floor for a P50/P80 worth publishing


def _pack(sampled: fc.Sampled, inputs: ForecastInputs) -> bytes:
    """The run's arrays as a compressed numpy archive. The tentative allocations are stored already
    expanded to one row per consultant-week (compact integer types), so a what-if in a fresh web
    process only decompresses them."""
    j, k, c, w, amount = sampled.expanded(inputs.staff.pace)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        base_free=sampled.base_free,
        capacity=inputs.capacity,
        tent_start=sampled.tent_start,
        x_tentative=j.astype(np.int32),
        x_sample=k.astype(np.int16),
        x_consultant=c.astype(np.int32),
        x_week=w.astype(np.int16),
        x_hours=amount,
        keys=inputs.staff.keys,
        roles=inputs.staff.roles,
        regions=inputs.staff.regions,
        cleared=inputs.staff.cleared,
        levels=inputs.staff.levels,
        pace=inputs.staff.pace if inputs.staff.pace is not None else np.ones_like(inputs.capacity),
    )
    return buf.getvalue()


def _result_rows(run: ForecastRun, inputs: ForecastInputs, sampled: fc.Sampled) -> list[ForecastResult]:
    """One result per entry in queue order: committed work (P50 = P80, hard allocations counted as
    booked), then the pipeline's sampled percentiles (None beyond the horizon)."""
    names = {i: (c.pk, c.name) for i, c in enumerate(inputs.consultants)}
    rows = []
    pos = 0
    for e, p in zip(inputs.committed, sampled.committed, strict=True):
        pos += 1
        start, binding, people = p.start, p.binding, [list(names[c]) for c in p.consultants]
        if e.pk in inputs.staffed:
            first, booked = inputs.staffed[e.pk]
            people = [[cid, name] for cid, name in booked] + people
            if not inputs.committed_demands[pos - 1].lines:  # fully staffed by hand
                start, binding = first, f"staffed with hard allocations from {inputs.label(first)}"
            elif start is not None:
                start = min(start, first)
        d = inputs.week0 + timedelta(weeks=start) if start is not None else None
        rows.append(
            ForecastResult(
                run=run,
                entry=e,
                position=pos,
                p50_week=start,
                p80_week=start,
                p50_date=d,
                p80_date=d,
                binding=binding,
                consultants=people,
            )
        )
    for j, e in enumerate(inputs.tentative):
        pos += 1
        p50, p80, _n = sampled.tentative_percentiles(j)
        p50 = None if p50 is None or p50 >= inputs.weeks else p50
        p80 = None if p80 is None or p80 >= inputs.weeks else p80
        binding = sampled.tent_binding[j] or f"closed in none of the {sampled.samples} samples"
        rows.append(
            ForecastResult(
                run=run,
                entry=e,
                position=pos,
                p50_week=p50,
                p80_week=p80,
                p50_date=inputs.week0 + timedelta(weeks=p50) if p50 is not None else None,
                p80_date=inputs.week0 + timedelta(weeks=p80) if p80 is not None else None,
                binding=binding,
                consultants=[list(names[c]) for c in sampled.tent_consultants[j]],
            )
        )
    return rows


def _slips_notify(rows: list[ForecastResult], before: dict[int, date | None], policy: ForecastPolicy) -> None:
    """`forecast.slipped` to ps-scheduling for each entry whose P50 moved later than the policy allows."""
    for r in rows:
        old = before.get(r.entry_id)
        if old and r.p50_date and (r.p50_date - old).days > policy.slip_notify_days:
            coordinators_notify(
                event="forecast.slipped",
                target=r.entry,
                context={
                    "title": r.entry.title,
                    "from": old.isoformat(),
                    "to": r.p50_date.isoformat(),
                    "days": (r.p50_date - old).days,
                    "binding": r.binding,
                },
            )


def forecast_run(*, progress: Callable[[int], None] | None = None, today: date | None = None) -> ForecastRun:
    """Run the whole forecast (committed deterministic, tentative sampled) and store it as the latest
    run: results per entry, the lead-time table, and the samples for what-ifs. Notifies
    `forecast.slipped` for entries whose P50 moved later than the policy's slip threshold. Audited
    (`scheduling.forecast_run`); keeps only the last KEEP_RUNS runs."""
    policy = policy_get()
    t0 = time.perf_counter()
    inputs = forecast_inputs_get(policy=policy, today=today)
    sampled = fc.forecast_sampled(
        inputs.capacity,
        inputs.staff,
        inputs.committed_demands,
        inputs.tentative_demands,
        samples=max(int(policy.samples), MIN_SAMPLES),
        seed=int(policy.seed),
        week_label=inputs.label,
        progress=progress,
    )
    previous = ForecastRun.objects.order_by("-created_at", "-id").first()
    before = {r.entry_id: r.p50_date for r in previous.results.all()} if previous is not None else {}
    meta = {
        "role_names": inputs.staff.role_names,
        "region_names": inputs.staff.region_names,
        "skill_names": inputs.staff.skill_names,
        "tentative_ids": [e.pk for e in inputs.tentative],
        "tentative_close": [e.expected_close.isoformat() if e.expected_close else None for e in inputs.tentative],
        "consultant_names": [c.name for c in inputs.consultants],
    }
    with transaction.atomic():
        run = ForecastRun.objects.create(
            week0=inputs.week0,
            horizon_weeks=inputs.weeks,
            samples=sampled.samples,
            seed=sampled.seed,
            meta=meta,
            blob=_pack(sampled, inputs),
        )
        rows = _result_rows(run, inputs, sampled)
        ForecastResult.objects.bulk_create(rows)
        LeadTime.objects.bulk_create(_lead_times(run, inputs, sampled))
        run.duration_ms = int((time.perf_counter() - t0) * 1000)
        run.save(update_fields=["duration_ms"])
        _slips_notify(rows, before, policy)
        audit_record(verb="scheduling.forecast_run", target=run, after={"entries": len(rows), "ms": run.duration_ms})
        # keep the last few runs (slip detection needs the previous one); the blobs are large
        stale = list(ForecastRun.objects.order_by("-created_at", "-id").values_list("id", flat=True)[KEEP_RUNS:])
        if stale:
            ForecastRun.objects.filter(id__in=stale).delete()
    run_samples_forget()
    return run


def _lead_times(run: ForecastRun, inputs: ForecastInputs, sampled: fc.Sampled) -> list[LeadTime]:
    """Median and P80 weeks from closed won to forecast start, per service type (committed work)."""
    by_type: dict[str, list[int]] = {}
    for e, p in zip(inputs.committed, sampled.committed, strict=True):
        if p.start is None or e.closed_won_at is None:
            continue
        won = fc.monday_of(e.closed_won_at.date())
        start = inputs.week0 + timedelta(weeks=p.start)
        by_type.setdefault(e.service_type, []).append(max(0, (start - won).days // 7))
    out = []
    for st in ServiceType.values:
        vals = by_type.get(st, [])
        out.append(
            LeadTime(
                run=run,
                service_type=st,
                projects=len(vals),
                median_weeks=Decimal(str(float(np.median(vals)))).quantize(Decimal("0.1")) if vals else None,
                p80_weeks=Decimal(fc.nearest_rank(vals, 0.8)) if vals else None,
            )
        )
    return out
