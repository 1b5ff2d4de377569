"""Reads: the queue with its latest forecast, candidates for staffing, heat map and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from psdesk.core.errors import NotFound
from psdesk.core.types import Actor, AnyUser
from psdesk.scheduling.models import Consultant, ForecastResult, ForecastRun, LeadTime, QueueEntry


def entry_get(*, user: AnyUser, entry_id: int) -> QueueEntry:
    """A queue entry the user may see; 404 for PubSec entries to non-members."""
    e = (
        QueueEntry.objects.visible_to(user)
        .select_related("account", "opportunity", "engagement")
        .filter(pk=entry_id)
        .first()
    )
    if e is None:
        raise NotFound(f"Queue entry {entry_id} not found.")
    return e


def latest_run_or_none() -> ForecastRun | None:
    return ForecastRun.objects.defer("blob").order_by("-created_at", "-id").first()


@dataclass
class QueueRow:
    """An entry with its latest result. `position` is its place among the entries the reader may
    see (PubSec work still takes capacity in everyone's forecast, but leaves no gap in the numbers)."""

    entry: QueueEntry
    result: ForecastResult | None
    position: int | None = None

    @property
    def customer_text(self) -> str:
        """What may be said to a customer: a date only once committed, otherwise a forecast."""
        if self.entry.committed_start:
            return f"Start committed: {self.entry.committed_start.isoformat()}"
        if self.result is None or self.result.p50_date is None:
            return "Forecast: not yet available"
        return f"Forecast: week of {self.result.p50_date:%d %b %Y} (P50), not a commitment"


def queue_list(*, user: AnyUser, limit: int = 200, offset: int = 0) -> tuple[int, list[QueueRow]]:
    """The active queue in queue order with each entry's result in the latest run."""
    qs = QueueEntry.objects.visible_to(user).active().in_queue_order().select_related("account", "opportunity")
    total = qs.count()
    entries = list(qs[offset : offset + limit])
    run = latest_run_or_none()
    results = {r.entry_id: r for r in ForecastResult.objects.filter(run=run, entry__in=entries)} if run else {}
    return total, [QueueRow(e, results.get(e.pk), offset + i + 1) for i, e in enumerate(entries)]


def queue_position(*, user: Actor, entry: QueueEntry) -> int | None:
    """The entry's place among the active entries the user may see (None once removed)."""
    ids = list(QueueEntry.objects.visible_to(user).active().in_queue_order().values_list("id", flat=True))
    return ids.index(entry.pk) + 1 if entry.pk in ids else None


def lead_time_table() -> list[LeadTime]:
    run = latest_run_or_none()
    return list(LeadTime.objects.filter(run=run)) if run else []


@dataclass
class Candidate:
    consultant: Consultant
    free_hours: float
    fits_weeks: int
    skill_score: int
    past_work: int
    eligible: bool
    reasons: list[str]


def candidates_rank(*, entry: QueueEntry, role: str | None = None) -> list[Candidate]:
    """Consultants ranked for the entry: hard constraints first (role, skills at level, clearance,
    region), then availability in the forecast window (free hours in the latest run's capacity left by
    the committed work), then skill level and past work with the customer."""
    from psdesk.scheduling.services import run_load

    lines = list(entry.lines.all())
    if role:
        lines = [ln for ln in lines if ln.role == role]
    run = ForecastRun.objects.order_by("-created_at", "-id").first()
    free_rows: dict[int, np.ndarray] = {}
    window = (0, 4)
    if run is not None:
        sampled, staff, _ = run_load(run)
        res = ForecastResult.objects.filter(run=run, entry=entry).first()
        start = res.p50_week if res and res.p50_week is not None else 0
        window = (start, min(start + 4, run.horizon_weeks))
        for i, key in enumerate(staff.keys.tolist()):
            free_rows[int(key)] = sampled.base_free[i]
    past: dict[int, int] = {}
    for cid in (
        QueueEntry.objects.filter(account=entry.account)
        .exclude(pk=entry.pk)
        .values_list("allocations__consultant_id", flat=True)
    ):
        if cid:
            past[cid] = past.get(cid, 0) + 1
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


def heatmap(*, run: ForecastRun) -> dict[str, Any]:
    """Free hours per skill and week after committed work (consultants holding the skill at ≥ 1)."""
    from psdesk.scheduling.services import run_load

    sampled, staff, _ = run_load(run)
    free = sampled.base_free
    rows = []
    for k, name in enumerate(staff.skill_names):
        has = staff.levels[:, k] > 0
        rows.append({"skill": name, "free": np.round(free[has].sum(axis=0), 0).astype(int).tolist()})
    weeks = [(run.week0 + timedelta(weeks=w)).isoformat() for w in range(run.horizon_weeks)]
    peak = max((max(r["free"]) for r in rows if r["free"]), default=1) or 1
    return {"weeks": weeks, "rows": rows, "peak": peak}


def timeline(*, run: ForecastRun) -> dict[str, Any]:
    """Booked share per consultant and week (0-100), drawn on one canvas client-side."""
    from psdesk.scheduling.services import run_load

    sampled, staff, meta = run_load(run)
    cap = sampled.extra["capacity"]
    with np.errstate(divide="ignore", invalid="ignore"):
        used = np.where(cap > 0, 1 - sampled.base_free / cap, 1.0)
    pct = np.clip(np.round(used * 100), 0, 100).astype(int)
    return {
        "week0": run.week0.isoformat(),
        "names": meta.get("consultant_names", []),
        "roles": [staff.role_names[r] for r in staff.roles.tolist()],
        "pct": pct.tolist(),
    }


def week_of(run: ForecastRun, d: date) -> int:
    return (d - run.week0).days // 7
