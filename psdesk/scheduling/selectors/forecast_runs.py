"""Reads of the forecast: the policy, the latest run and its unpacked samples, the inputs a run reads
from the database, the lead-time table, the capacity heat map and timeline, and the forecast of a
hypothetical project answered from the stored samples."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Prefetch
from django_tasks_db.models import DBTaskResult

from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.crm.choices import OpportunityStage
from psdesk.scheduling import forecast as fc
from psdesk.scheduling.choices import AllocationKind, DemandKind, QueueStatus, TimeOffStatus
from psdesk.scheduling.models import (
    Allocation,
    Consultant,
    DemandLine,
    ForecastPolicy,
    ForecastRun,
    LeadTime,
    QueueEntry,
    Skill,
    StageProbability,
    TimeOff,
)
from psdesk.scheduling.role_hours import LineIn, demand_lines_unsaved, regions_validate, role_hours_validate

DEFAULT_PROBABILITIES = {
    OpportunityStage.NEGOTIATING: Decimal("0.5"),
    OpportunityStage.AWAITING_SIGNATURE: Decimal("0.8"),
}


def policy_get() -> ForecastPolicy:
    """The forecast policy row, created with the defaults on first use."""
    obj, _ = ForecastPolicy.objects.get_or_create(id=1)
    return obj


def stage_probabilities_get() -> dict[str, float]:
    """Probability of closing per pipeline stage: the admin's rows over the defaults."""
    rows = {r.stage: float(r.probability) for r in StageProbability.objects.all()}
    return {str(s): rows.get(s, float(p)) for s, p in DEFAULT_PROBABILITIES.items()}


def latest_run_or_none() -> ForecastRun | None:
    """The latest run without its samples blob, or None before the first run."""
    return ForecastRun.objects.defer("blob").order_by("-created_at", "-id").first()


def latest_run_get() -> ForecastRun:
    """The latest run with its samples. Raises NotFound before the first run."""
    run = ForecastRun.objects.order_by("-created_at", "-id").first()
    if run is None:
        raise NotFound(
            "No forecast has run yet: run `manage.py forecast run` or wait for the worker.", code="no_forecast"
        )
    return run


def lead_time_table() -> list[LeadTime]:
    """The latest run's lead-time rows (one per service type); empty before the first run."""
    run = latest_run_or_none()
    return list(LeadTime.objects.filter(run=run)) if run else []


# --- a run's samples, unpacked once per process -----------------------------------------------------

_SAMPLES: dict[int, tuple[fc.Sampled, fc.StaffArrays, dict[str, Any]]] = {}


def run_samples_get(*, run: ForecastRun) -> tuple[fc.Sampled, fc.StaffArrays, dict[str, Any]]:
    """The run's samples, staff arrays and meta, unpacked from its blob once per process (only the
    latest unpacked run is kept in memory)."""
    if run.pk not in _SAMPLES:
        data = np.load(io.BytesIO(bytes(run.blob)))
        meta = run.meta if isinstance(run.meta, dict) else json.loads(run.meta)
        staff = fc.StaffArrays(
            data["keys"],
            data["roles"],
            data["regions"],
            data["cleared"],
            data["levels"],
            meta["role_names"],
            meta["region_names"],
            meta["skill_names"],
            data["pace"],
        )
        expanded = (
            data["x_tentative"].astype(np.int64),
            data["x_sample"].astype(np.int64),
            data["x_consultant"].astype(np.int64),
            data["x_week"].astype(np.int64),
            data["x_hours"],
        )
        sampled = fc.Sampled(
            [],
            data["base_free"],
            data["tent_start"],
            [],
            [],
            np.zeros((0, 6)),
            run.samples,
            run.seed,
            run.horizon_weeks,
            {"capacity": data["capacity"], "expanded": expanded},
        )
        _SAMPLES.clear()
        _SAMPLES[run.pk] = (sampled, staff, meta)
    return _SAMPLES[run.pk]


def run_samples_forget() -> None:
    """Drop the unpacked samples (a new run replaces them; the bench times a cold read)."""
    _SAMPLES.clear()


def heatmap(*, run: ForecastRun) -> dict[str, Any]:
    """Free hours per skill and week after committed work (consultants holding the skill at ≥ 1)."""
    sampled, staff, _ = run_samples_get(run=run)
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
    sampled, staff, meta = run_samples_get(run=run)
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


# --- what a run reads ------------------------------------------------------------------------------


def forecast_demand_from_lines(
    *,
    lines: Sequence[Any],
    key: int,
    week0: date,
    desired_start: date | None,
    cleared: bool,
    regions: Sequence[str],
    probability: float = 1.0,
) -> fc.Demand:
    """The pure forecast's `Demand` for demand lines (`DemandLine` rows, saved or not): weeks from
    hours over weekly hours, the earliest start week from `desired_start`."""
    fc_lines = tuple(
        fc.Line(
            ln.role,
            float(ln.weekly_hours),
            fc.weeks_for(float(ln.hours), float(ln.weekly_hours)),
            tuple(sorted((k, int(v)) for k, v in (ln.skills or {}).items())),
        )
        for ln in lines
    )
    earliest = max(0, (desired_start - week0).days // 7) if desired_start else 0
    return fc.Demand(key, fc_lines, earliest, cleared, tuple(regions), probability)


@dataclass
class ForecastInputs:
    """Everything the pure forecast needs, read from the database in a handful of queries."""

    week0: date
    weeks: int
    consultants: list[Consultant]
    staff: fc.StaffArrays
    capacity: np.ndarray
    committed: list[QueueEntry]
    tentative: list[QueueEntry]
    committed_demands: list[fc.Demand]
    tentative_demands: list[fc.Demand]
    # entry id → (first week of its hard allocations, [(consultant id, name)]): booked by hand
    staffed: dict[int, tuple[int, list[tuple[int, str]]]] = field(default_factory=dict)

    def label(self, week: int) -> str:
        return (self.week0 + timedelta(weeks=week)).isoformat()


# (entry id → [(role, consultant id, consultant name, first week)]) of the hard allocations
HardBookings = dict[int, list[tuple[str, int, str, int]]]


def _staff_and_capacity(consultants: list[Consultant], week0: date, weeks: int) -> tuple[fc.StaffArrays, np.ndarray]:
    """The active consultants' staff arrays, pace and capacity grid, less their hard allocations
    (booked work leaves capacity before the queue runs)."""
    staff = fc.staff_compile(
        [
            fc.Staff(c.pk, c.role, c.region, c.pubsec_eligible, tuple((s.skill.name, s.level) for s in c.skills.all()))
            for c in consultants
        ],
        extra_skills=Skill.objects.values_list("name", flat=True),
    )
    shares = [
        fc.working_share(
            week0,
            weeks,
            country=c.holiday_country,
            subdivision=c.holiday_subdivision,
            time_off=[(t.starts_on, t.ends_on) for t in c.time_off.all()],
        )
        for c in consultants
    ]
    capacity = (
        fc.capacity_grid(
            [float(c.weekly_capacity_hours) for c in consultants],
            [float(c.utilisation_target) for c in consultants],
            shares,
        )
        if consultants
        else np.zeros((0, weeks))
    )
    if consultants:
        staff.pace = fc.pace_from_share(np.vstack(shares))
    index = {c.pk: i for i, c in enumerate(consultants)}
    for a in Allocation.objects.filter(kind=AllocationKind.HARD, consultant_id__in=index).exclude(
        entry__status=QueueStatus.REMOVED
    ):
        lo = max(0, (a.starts_on - week0).days // 7)
        hi = min(weeks, (a.ends_on - week0).days // 7 + 1)
        if hi > lo:
            row = index[a.consultant_id]
            pace = staff.pace[row, lo:hi] if staff.pace is not None else 1.0
            capacity[row, lo:hi] -= float(a.weekly_hours) * pace
    return staff, capacity


def _hard_bookings(week0: date) -> HardBookings:
    hard: HardBookings = {}
    for entry_id, role, cid, name, starts_on in Allocation.objects.filter(kind=AllocationKind.HARD).values_list(
        "entry_id", "consultant__role", "consultant_id", "consultant__name", "starts_on"
    ):
        hard.setdefault(entry_id, []).append((role, cid, name, max(0, (starts_on - week0).days // 7)))
    return hard


# Hours already delivered per (opportunity id, consultant role), from apps above scheduling that
# record time (timesheets: approved hours). The forecast plans only the demand that remains.
ActualHours = Callable[[list[int]], dict[tuple[int, str], Decimal]]
ACTUAL_HOURS: list[ActualHours] = []


def register_actual_hours(fn: ActualHours) -> None:
    """Add a source of delivered hours (idempotent); see `forecast_inputs_get`."""
    if fn not in ACTUAL_HOURS:
        ACTUAL_HOURS.append(fn)


def _actual_hours(entries: list[QueueEntry]) -> dict[tuple[int, str], Decimal]:
    opp_ids = [e.opportunity_id for e in entries if e.opportunity_id]
    out: dict[tuple[int, str], Decimal] = {}
    for fn in ACTUAL_HOURS if opp_ids else []:
        for key, hours in fn(opp_ids).items():
            out[key] = out.get(key, Decimal("0")) + hours
    return out


def _less_actuals(e: QueueEntry, lines: list[DemandLine], actuals: dict[tuple[int, str], Decimal]) -> list[DemandLine]:
    """The entry's lines less the hours already delivered in each role (a line fully delivered drops out)."""
    if not actuals or not e.opportunity_id:
        return lines
    left = {role: h for (opp, role), h in actuals.items() if opp == e.opportunity_id}
    out = []
    for ln in lines:
        done = min(left.get(ln.role, Decimal("0")), ln.hours)
        left[ln.role] = left.get(ln.role, Decimal("0")) - done
        if ln.hours - done > 0:
            out.append(
                DemandLine(
                    entry_id=ln.entry_id,
                    role=ln.role,
                    hours=ln.hours - done,
                    weekly_hours=ln.weekly_hours,
                    skills=ln.skills,
                )
            )
    return out


def _entry_demand(
    e: QueueEntry,
    probability: float,
    *,
    week0: date,
    hard: HardBookings,
    staffed: dict[int, tuple[int, list[tuple[int, str]]]],
    actuals: dict[tuple[int, str], Decimal] | None = None,
) -> fc.Demand:
    """The entry's demand less the lines already booked with hard allocations (their hours are out of
    capacity already); the rest may not start before the booked part or a committed start. Records
    the booked part in `staffed`."""
    lines = _less_actuals(e, list(e.lines.all()), actuals or {})
    booked = hard.get(e.pk, [])
    for role, _cid, _name, _week in booked:
        hit = next((ln for ln in lines if ln.role == role), None)
        if hit is not None:
            lines.remove(hit)
    not_before = max((d for d in (e.desired_start, e.committed_start) if d), default=None)
    d = forecast_demand_from_lines(
        lines=lines,
        key=e.pk,
        week0=week0,
        desired_start=not_before,
        cleared=e.requires_clearance,
        regions=e.region_list,
        probability=probability,
    )
    if booked:
        first = min(w for *_, w in booked)
        staffed[e.pk] = (first, [(cid, name) for _r, cid, name, _w in booked])
        d = replace(d, earliest_week=max(d.earliest_week, first))
    return d


def forecast_inputs_get(*, policy: ForecastPolicy | None = None, today: date | None = None) -> ForecastInputs:
    """What a forecast run reads: active consultants with capacity less hard allocations, and the
    active queue split into committed (probability 1) and tentative (stage probability) demand."""
    policy = policy or policy_get()
    week0 = fc.monday_of(today or clock.today())
    weeks = min(max(int(policy.horizon_weeks), 4), 520)  # the admin validators, also for raw edits
    consultants = list(
        Consultant.objects.filter(active=True)
        .prefetch_related(
            "skills__skill",
            # only approved time off leaves capacity; a request waits for the coordinator
            Prefetch("time_off", queryset=TimeOff.objects.filter(status=TimeOffStatus.APPROVED)),
        )
        .order_by("id")
    )
    staff, capacity = _staff_and_capacity(consultants, week0, weeks)
    hard = _hard_bookings(week0)
    staffed: dict[int, tuple[int, list[tuple[int, str]]]] = {}
    entries = list(QueueEntry.objects.active().in_queue_order().prefetch_related("lines"))
    probs = stage_probabilities_get()
    committed = [e for e in entries if e.kind == DemandKind.COMMITTED]
    tentative = [e for e in entries if e.kind == DemandKind.TENTATIVE]
    common: dict[str, Any] = {"week0": week0, "hard": hard, "staffed": staffed, "actuals": _actual_hours(committed)}
    return ForecastInputs(
        week0,
        weeks,
        consultants,
        staff,
        capacity,
        committed,
        tentative,
        [_entry_demand(e, 1.0, **common) for e in committed],
        [_entry_demand(e, probs.get(e.opportunity.stage if e.opportunity else "", 0.0), **common) for e in tentative],
        staffed,
    )


# --- a hypothetical project ------------------------------------------------------------------------


@dataclass
class HypotheticalForecast:
    """P50/P80 start of a project not in the queue (None beyond the horizon), what binds it, how many
    pipeline deals close ahead of it, and the run it was answered from."""

    p50_date: date | None
    p80_date: date | None
    p50_weeks: int | None
    p80_weeks: int | None
    binding: str
    ahead_tentative: int
    samples: int
    run_at: datetime


def hypothetical_forecast_get(
    *,
    role_hours: Sequence[LineIn],
    requires_clearance: bool = False,
    regions: Iterable[str] = (),
    expected_close: date | None = None,
    desired_start: date | None = None,
) -> HypotheticalForecast:
    """Lead time of a hypothetical project (the what-if) placed behind all committed work and the
    pipeline deals expected to close before it, answered from the latest run's samples. Writes
    nothing. Raises ValidationFailed (bad role-hours or region), NotFound (no run yet)."""
    policy = policy_get()
    lines = role_hours_validate(lines=role_hours, policy=policy)
    region_list = regions_validate(regions=regions)
    run = latest_run_get()
    sampled, staff, meta = run_samples_get(run=run)
    close = expected_close or (clock.today() + timedelta(days=policy.whatif_close_in_days))
    ahead = sum(1 for c in meta["tentative_close"] if c is not None and c <= close.isoformat())
    demand = forecast_demand_from_lines(
        lines=demand_lines_unsaved(lines=lines),
        key=-1,
        week0=run.week0,
        desired_start=desired_start,
        cleared=requires_clearance,
        regions=[r for r in region_list.split(",") if r],
    )

    def label(w: int) -> str:
        return (run.week0 + timedelta(weeks=w)).isoformat()

    p50, p80, _, binding = fc.whatif_from_samples(sampled, staff, demand, ahead=ahead, week_label=label)
    weeks = run.horizon_weeks

    def to_date(w: int | None) -> date | None:
        return run.week0 + timedelta(weeks=w) if w is not None and w < weeks else None

    return HypotheticalForecast(
        to_date(p50),
        to_date(p80),
        p50 if p50 is not None and p50 < weeks else None,
        p80 if p80 is not None and p80 < weeks else None,
        binding,
        ahead,
        run.samples,
        run.created_at,
    )


# --- a run asked for through the API ---------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRunRequest:
    """A forecast run request (a worker task on the "forecast" queue) and the run it stored."""

    id: str
    status: str
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    run: ForecastRun | None


def forecast_run_request_get(*, request_id: str) -> ForecastRunRequest:
    """The status of a forecast run request; `run` once it succeeded (None when pruned since).
    Raises NotFound for an unknown or malformed id."""
    try:
        key = uuid.UUID(request_id)
    except ValueError:
        raise NotFound("Forecast run request not found.", code="forecast_request_not_found") from None
    row = DBTaskResult.objects.filter(pk=key, task_path__endswith=".forecast_recompute").first()
    if row is None:
        raise NotFound("Forecast run request not found.", code="forecast_request_not_found")
    run = None
    if row.status == "SUCCESSFUL" and isinstance(row.return_value, int):
        run = ForecastRun.objects.defer("blob").filter(pk=row.return_value).first()
    return ForecastRunRequest(str(row.pk), row.status, row.enqueued_at, row.started_at, row.finished_at, run)
