"""What the queue and capacity pages draw: lead time per service type over the stored forecast
runs, capacity against demand per role and week, and the heat map's cells. Plain dicts of labels
and named series (`{"labels": [...], "series": [{"label": ..., "data": [...]}]}`), the same ones
the `/api/v1/insights/...` endpoints answer."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from psdesk.core import clock
from psdesk.core.types import AnyUser
from psdesk.scheduling.choices import ConsultantRole, DemandKind, ServiceType
from psdesk.scheduling.models import DemandLine, ForecastResult, ForecastRun, LeadTime, QueueEntry
from psdesk.scheduling.selectors.forecast_runs import run_samples_get

HEAT_LEVELS = 5


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def lead_time_history(*, weeks: int = 26, now: datetime | None = None) -> dict[str, Any]:
    """P50 and P80 weeks from Closed Won to forecast start per service type, one point per week
    over the last `weeks` weeks: the week's latest stored forecast run (a week without a run
    repeats nothing: its point is null). Service types no run published are left out."""
    now = now or clock.now()
    first = _monday(now.date()) - timedelta(weeks=weeks - 1)
    labels = [(first + timedelta(weeks=i)).isoformat() for i in range(weeks)]
    runs: dict[str, int] = {}
    for pk, created in (
        ForecastRun.objects.filter(created_at__date__gte=first, created_at__lte=now)
        .order_by("created_at", "id")
        .values_list("pk", "created_at")
    ):
        runs[_monday(created.date()).isoformat()] = pk  # the week's last run wins
    week_of = {pk: week for week, pk in runs.items()}
    p50: dict[str, dict[str, float | None]] = defaultdict(dict)
    p80: dict[str, dict[str, float | None]] = defaultdict(dict)
    for run_id, service, med, p in LeadTime.objects.filter(run_id__in=runs.values()).values_list(
        "run_id", "service_type", "median_weeks", "p80_weeks"
    ):
        p50[service][week_of[run_id]] = float(med) if med is not None else None
        p80[service][week_of[run_id]] = float(p) if p is not None else None
    series = []
    for s in ServiceType:
        if s.value not in p50:
            continue
        series.append({"label": f"{s.label} P50", "data": [p50[s.value].get(w) for w in labels]})
        series.append({"label": f"{s.label} P80", "data": [p80[s.value].get(w) for w in labels]})
    return {"labels": labels, "series": series, "runs": len(runs)}


def capacity_demand(*, user: AnyUser, run: ForecastRun) -> dict[str, Any]:
    """Per role and week of the run's horizon: consultants' capacity hours, and the demand of the
    queue placed at each entry's P50 week — committed (Closed Won) and tentative (stage 5+ pipeline,
    weighted by nothing: the hours it would take). PubSec entries count for everyone (they take
    capacity) but are never named."""
    sampled, staff, _meta = run_samples_get(run=run)
    cap = sampled.extra["capacity"]
    horizon = run.horizon_weeks
    labels = [(run.week0 + timedelta(weeks=w)).isoformat() for w in range(horizon)]
    capacity: dict[str, list[float]] = {r: [0.0] * horizon for r in ConsultantRole.values}
    for i, role_index in enumerate(staff.roles.tolist()):
        role = staff.role_names[role_index]
        if role in capacity:
            for w in range(min(horizon, cap.shape[1])):
                capacity[role][w] += float(cap[i, w])
    demand = {
        kind: {r: [0.0] * horizon for r in ConsultantRole.values}
        for kind in (DemandKind.COMMITTED, DemandKind.TENTATIVE)
    }
    results: dict[int, int] = {
        entry: int(week or 0)
        for entry, week in ForecastResult.objects.filter(run=run, p50_week__isnull=False).values_list(
            "entry_id", "p50_week"
        )
    }
    kinds = dict(QueueEntry.objects.filter(pk__in=results).active().values_list("pk", "kind"))
    for entry_id, role, hours, weekly in DemandLine.objects.filter(entry_id__in=kinds).values_list(
        "entry_id", "role", "hours", "weekly_hours"
    ):
        if role not in capacity or not weekly or weekly <= 0:
            continue
        start, left = results[entry_id], float(hours)
        for w in range(start, min(horizon, start + math.ceil(float(hours) / float(weekly)))):
            demand[kinds[entry_id]][role][w] += min(float(weekly), left)
            left -= float(weekly)
    roles = [r for r in ConsultantRole if any(capacity[r.value]) or any(demand[DemandKind.COMMITTED][r.value])]
    return {
        "labels": labels,
        "roles": [
            {
                "role": r.value,
                "label": r.label,
                "series": [
                    {"label": "Capacity (h)", "data": [round(v) for v in capacity[r.value]]},
                    {"label": "Committed (h)", "data": [round(v) for v in demand[DemandKind.COMMITTED][r.value]]},
                    {"label": "Tentative (h)", "data": [round(v) for v in demand[DemandKind.TENTATIVE][r.value]]},
                ],
            }
            for r in roles
        ],
    }


def heat_cells(heat: dict[str, Any]) -> dict[str, Any]:
    """The heat map as table rows: each cell's free hours, its shade (0 = none free … 4 = the most)
    and a tooltip naming the skill and the week; plus the legend's ranges."""
    peak = max(1, int(heat.get("peak") or 1))
    weeks = heat.get("weeks", [])
    step = peak / HEAT_LEVELS
    rows = []
    for r in heat.get("rows", []):
        cells = []
        for w, free in zip(weeks, r["free"], strict=False):
            level = 0 if free <= 0 else min(HEAT_LEVELS - 1, int(free / step))
            cells.append({"free": free, "level": level, "title": f"{r['skill']}, week of {w}: {free} h free"})
        rows.append({"skill": r["skill"], "cells": cells})
    legend = [
        {"level": i, "text": "none" if i == 0 else f"{round(i * step)} to {round((i + 1) * step)} h"}
        for i in range(HEAT_LEVELS)
    ]
    return {"weeks": weeks, "rows": rows, "legend": legend}
