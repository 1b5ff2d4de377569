"""Reads for staffing: consultants ranked for a queue entry, and what an allocation would clash with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from psdesk.scheduling.choices import AllocationKind, TimeOffStatus
from psdesk.scheduling.models import Consultant, ForecastResult, ForecastRun, QueueEntry
from psdesk.scheduling.selectors.forecast_runs import run_samples_get


@dataclass
class Candidate:
    consultant: Consultant
    free_hours: float
    fits_weeks: int
    skill_score: int
    past_work: int
    eligible: bool
    reasons: list[str]


def _past_work(entry: QueueEntry) -> dict[int, int]:
    """Consultant id → how many other entries of the same customer they were allocated to."""
    past: dict[int, int] = {}
    for cid in (
        QueueEntry.objects.filter(account=entry.account)
        .exclude(pk=entry.pk)
        .values_list("allocations__consultant_id", flat=True)
    ):
        if cid:
            past[cid] = past.get(cid, 0) + 1
    return past


def candidates_rank(*, entry: QueueEntry, role: str | None = None) -> list[Candidate]:
    """Consultants ranked for the entry: hard constraints first (role, skills at level, clearance,
    region), then availability in the forecast window (free hours in the latest run's capacity left by
    the committed work), then skill level and past work with the customer."""
    lines = list(entry.lines.all())
    if role:
        lines = [ln for ln in lines if ln.role == role]
    run = ForecastRun.objects.order_by("-created_at", "-id").first()
    free_rows: dict[int, np.ndarray] = {}
    window = (0, 4)
    if run is not None:
        sampled, staff, _ = run_samples_get(run=run)
        res = ForecastResult.objects.filter(run=run, entry=entry).first()
        start = res.p50_week if res and res.p50_week is not None else 0
        window = (start, min(start + 4, run.horizon_weeks))
        for i, key in enumerate(staff.keys.tolist()):
            free_rows[int(key)] = sampled.base_free[i]
    past = _past_work(entry)
    out = []
    roles = {ln.role for ln in lines}
    for c in Consultant.objects.filter(active=True, role__in=roles).prefetch_related("skills__skill"):
        levels = {s.skill.name: s.level for s in c.skills.all()}
        reasons = []
        for ln in lines:
            if ln.role != c.role:
                continue
            for k, lvl in (ln.skills or {}).items():
                if levels.get(k, 0) < int(lvl):
                    reasons.append(f"skill {k} {levels.get(k, 0)} < {lvl}")
        if entry.requires_clearance and not c.pubsec_eligible:
            reasons.append("not cleared for PubSec")
        if entry.region_list and c.region not in entry.region_list:
            reasons.append(f"region {c.region} not in {entry.regions}")
        row = free_rows.get(c.pk)
        free = float(row[window[0] : window[1]].sum()) if row is not None else 0.0
        fits = int((row[window[0] : window[1]] > 0).sum()) if row is not None else 0
        out.append(Candidate(c, round(free, 1), fits, sum(levels.values()), past.get(c.pk, 0), not reasons, reasons))
    out.sort(key=lambda k: (not k.eligible, -k.free_hours, -k.skill_score, -k.past_work, k.consultant.pk))
    return out


def allocation_conflicts_list(
    *, consultant: Consultant, starts_on: date, ends_on: date, weekly_hours: Decimal
) -> list[str]:
    """Human descriptions of what an allocation would clash with: time off, over-allocation."""
    out = [
        f"time off {t.starts_on} to {t.ends_on}" + (f" ({t.reason})" if t.reason else "")
        for t in consultant.time_off.filter(
            status=TimeOffStatus.APPROVED, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
    ]
    booked = sum(
        (
            a.weekly_hours
            for a in consultant.allocations.filter(
                kind=AllocationKind.HARD, starts_on__lte=ends_on, ends_on__gte=starts_on
            )
        ),
        Decimal("0"),
    )
    cap = consultant.weekly_capacity_hours
    if booked + weekly_hours > cap:
        out.append(f"over-allocated: {booked + weekly_hours:g} h/week booked against {cap:g} h/week capacity")
    return out
