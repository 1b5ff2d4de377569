"""The lead-time forecast: a pure, vectorised simulation of the delivery queue (no Django imports).

The model
---------
* A **capacity grid** ``free[c, w]``: forecastable hours of consultant ``c`` in week ``w`` (week 0 is
  the Monday of the run's week). Built by `capacity_grid` from weekly capacity x utilisation target x
  the share of working days left after public holidays (``holidays`` package) and time off; hard
  allocations are subtracted before the queue runs.
* A **demand** is one queued project: lines of (role, weekly hours, weeks, required skills with a
  minimum level), plus project-wide hard constraints (cleared consultants only, allowed regions) and
  an earliest start week (its desired start window).
* **Queue rule (FIFO with conservative backfill).** Demands are placed one after the other in queue
  order (committed in closed-won order, ties by time then id; then pipeline). Each takes the earliest
  start week ``s ≥ earliest`` at which every line ``l`` can be given its own consultant that satisfies
  the hard constraints and has ``free[c, s + i] ≥ hours_l x pace[c, s + i]`` for every ``i < weeks_l``, in the capacity
  *left by the demands ahead of it*. A later, smaller project may therefore start before one ahead of
  it (backfill) — but only in capacity nobody ahead uses, so it can never delay anyone ahead: the
  placement of the first ``k`` demands does not depend on anything behind them.
* **Pace.** A line needs ``weekly_hours x pace[c, w]`` of consultant ``c`` in week ``w``
  (`pace_from_share`): weeks shortened by a holiday or a day or two off count at a lower pace,
  weeks with fewer than three working days block.
* **Assignment rule** (makes the result unique, and the reference implementation identical): at a
  candidate week the lines are served in their given order, each by the lowest-index eligible
  consultant not already serving this demand whose free hours fit for the line's whole duration. The
  start is the first candidate week at which every line is served.

* **Sampling.** `forecast_sampled` places each tentative deal once across all samples
  (`sample_tentative`, over a consultants x weeks x samples array); the result is that of placing
  every sample in turn (`forecast_reference.forecast_sampled_per_sample`).

`forecast_reference.py` states the same rules as plain loops; tests and the bench check both agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

EPS = 1e-9
FloatGrid = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Line:
    """One role's share of a project: `weekly_hours` every week for `weeks` weeks."""

    role: str
    weekly_hours: float
    weeks: int
    skills: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Demand:
    """A project in the queue (or a what-if). `probability` < 1 marks tentative pipeline demand."""

    key: int
    lines: tuple[Line, ...]
    earliest_week: int = 0
    cleared_only: bool = False
    regions: tuple[str, ...] = ()
    probability: float = 1.0


@dataclass(frozen=True)
class Staff:
    key: int
    role: str
    region: str
    cleared: bool
    skills: tuple[tuple[str, int], ...] = ()


@dataclass
class StaffArrays:
    """Consultants compiled to arrays so eligibility is one vectorised comparison."""

    keys: npt.NDArray[np.int64]
    roles: npt.NDArray[np.int16]
    regions: npt.NDArray[np.int16]
    cleared: npt.NDArray[np.bool_]
    levels: npt.NDArray[np.int8]  # consultants x skills, 0 = no skill
    role_names: list[str]
    region_names: list[str]
    skill_names: list[str]
    pace: FloatGrid | None = None  # consultants x weeks, see `pace_from_share`; None = full pace

    @property
    def size(self) -> int:
        return int(self.keys.shape[0])


def staff_compile(staff: Sequence[Staff], *, extra_skills: Iterable[str] = ()) -> StaffArrays:
    role_names = sorted({s.role for s in staff})
    region_names = sorted({s.region for s in staff})
    skill_names = sorted({k for s in staff for k, _ in s.skills} | set(extra_skills))
    ri = {n: i for i, n in enumerate(role_names)}
    gi = {n: i for i, n in enumerate(region_names)}
    ki = {n: i for i, n in enumerate(skill_names)}
    levels = np.zeros((len(staff), len(skill_names)), dtype=np.int8)
    for c, s in enumerate(staff):
        for k, lvl in s.skills:
            levels[c, ki[k]] = lvl
    return StaffArrays(
        keys=np.array([s.key for s in staff], dtype=np.int64),
        roles=np.array([ri[s.role] for s in staff], dtype=np.int16),
        regions=np.array([gi[s.region] for s in staff], dtype=np.int16),
        cleared=np.array([s.cleared for s in staff], dtype=np.bool_),
        levels=levels,
        role_names=role_names,
        region_names=region_names,
        skill_names=skill_names,
    )


def eligible(staff: StaffArrays, demand: Demand, line: Line) -> npt.NDArray[np.bool_]:
    """Hard constraints: role, every skill at ≥ level, clearance, region."""
    if line.role not in staff.role_names:
        return np.zeros(staff.size, dtype=np.bool_)
    mask = staff.roles == staff.role_names.index(line.role)
    for skill, level in line.skills:
        if skill not in staff.skill_names:
            return np.zeros(staff.size, dtype=np.bool_)
        mask &= staff.levels[:, staff.skill_names.index(skill)] >= level
    if demand.cleared_only:
        mask &= staff.cleared
    if demand.regions:
        codes = [staff.region_names.index(r) for r in demand.regions if r in staff.region_names]
        mask &= np.isin(staff.regions, codes)
    return mask


@dataclass
class Placement:
    """Where one demand landed. `start` is None when it does not fit inside the horizon."""

    key: int
    start: int | None
    consultants: tuple[int, ...]  # consultant *indices*, one per line (empty when unplaced)
    binding: str
    binding_line: int | None = None


def describe_line(line: Line, demand: Demand, count: int = 1) -> str:
    parts = [f"{count} {line.role}" + ("s" if count > 1 else "")]
    if line.skills:
        parts.append("with " + ", ".join(f"skill {k} ≥ {v}" for k, v in line.skills))
    if demand.cleared_only:
        parts.append("cleared (US citizen)")
    if demand.regions:
        parts.append("in " + "/".join(demand.regions))
    parts.append(f"for {line.weekly_hours:g} h/week x {line.weeks} weeks")
    return " ".join(parts)


def _need(staff: StaffArrays, idx: npt.NDArray[np.int64], hours: float) -> FloatGrid | float:
    """Hours a line takes from consultants `idx` in each week: its weekly hours at their pace."""
    if staff.pace is None:
        return hours
    need: FloatGrid = hours * staff.pace[idx]
    return need


def _line_fits(
    free: FloatGrid, staff: StaffArrays, idx: npt.NDArray[np.int64], line: Line, earliest: int
) -> npt.NDArray[np.bool_]:
    """fits[i, s]: consultant idx[i] has the line's hours free in every week s .. s+weeks-1."""
    weeks_total = free.shape[1]
    nstarts = weeks_total - line.weeks + 1
    if nstarts <= 0 or idx.size == 0:
        return np.zeros((idx.size, max(nstarts, 0)), dtype=np.bool_)
    bad = free[idx] < _need(staff, idx, line.weekly_hours) - EPS
    cum = np.zeros((idx.size, weeks_total + 1), dtype=np.int32)
    np.cumsum(bad, axis=1, out=cum[:, 1:])
    fits: npt.NDArray[np.bool_] = (cum[:, line.weeks : line.weeks + nstarts] - cum[:, :nstarts]) == 0
    fits[:, : min(earliest, nstarts)] = False
    return fits


EligibleCache = dict[tuple[int, int], npt.NDArray[np.int64]]


def place(
    free: FloatGrid,
    staff: StaffArrays,
    demand: Demand,
    *,
    week_label: Callable[[int], str] = str,
    cache: EligibleCache | None = None,
    explain: bool = True,
) -> Placement:
    """Place one demand in `free` (mutated: its hours are reserved). See the module rules.
    `cache` keeps each line's eligible consultants when the same demand is placed many times;
    `explain=False` skips the "why it waits" text of a successful placement (binding "")."""
    if not demand.lines:
        return Placement(demand.key, None, (), "forecast needs role-hours: the project has no demand lines")
    cands: list[npt.NDArray[np.int64]] = []
    fits: list[npt.NDArray[np.bool_]] = []
    first_fit: list[int | None] = []
    for i, line in enumerate(demand.lines):
        if cache is not None and (id(demand), i) in cache:
            idx = cache[(id(demand), i)]
        else:
            idx = np.flatnonzero(eligible(staff, demand, line)).astype(np.int64)
            if cache is not None:
                cache[(id(demand), i)] = idx
        if idx.size == 0:
            return Placement(
                demand.key, None, (), f"no consultant exists who is {describe_line(line, demand)}", len(cands)
            )
        f = _line_fits(free, staff, idx, line, demand.earliest_week)
        cands.append(idx)
        fits.append(f)
        any_s = np.flatnonzero(f.any(axis=0)) if f.size else np.array([], dtype=np.int64)
        first_fit.append(int(any_s[0]) if any_s.size else None)
    if any(x is None for x in first_fit):
        worst = next(i for i, x in enumerate(first_fit) if x is None)
        line = demand.lines[worst]
        if not (free[cands[worst]] >= _need(staff, cands[worst], line.weekly_hours) - EPS).any():
            return Placement(
                demand.key,
                None,
                (),
                f"no eligible {line.role} has {line.weekly_hours:g} h free in any week: "
                f"lower the weekly intensity of {describe_line(line, demand)}",
                worst,
            )
        return Placement(
            demand.key,
            None,
            (),
            f"waits for {describe_line(demand.lines[worst], demand)}, not free within the horizon",
            worst,
        )
    n = min(f.shape[1] for f in fits)
    common = np.ones(n, dtype=np.bool_)
    for f in fits:
        common &= f[:, :n].any(axis=0)
    for s in np.flatnonzero(common):
        chosen: list[int] = []
        for idx, f in zip(cands, fits, strict=True):
            pick = next((int(c) for c in idx[f[:, s]] if int(c) not in chosen), None)
            if pick is None:
                break
            chosen.append(pick)
        else:
            start = int(s)
            for c, line in zip(chosen, demand.lines, strict=True):
                if staff.pace is None:
                    free[c, start : start + line.weeks] -= line.weekly_hours
                else:
                    free[c, start : start + line.weeks] -= line.weekly_hours * staff.pace[c, start : start + line.weeks]
            if not explain:
                return Placement(demand.key, start, tuple(chosen), "")
            return Placement(demand.key, start, tuple(chosen), *_binding(demand, first_fit, start, week_label))
    return Placement(demand.key, None, (), "its roles are not free together within the horizon", None)


def _binding(
    demand: Demand, first_fit: list[int | None], start: int, week_label: Callable[[int], str]
) -> tuple[str, int | None]:
    if start <= demand.earliest_week:
        if demand.earliest_week > 0:
            return f"starts at the desired start window ({week_label(start)})", None
        return "no wait: the capacity it needs is free now", None
    latest = max(x for x in first_fit if x is not None)
    i = first_fit.index(latest)
    line = demand.lines[i]
    if latest == start:
        return f"waits for {describe_line(line, demand)}, free from {week_label(start)}", i
    same = sum(1 for ln in demand.lines if ln.role == line.role)
    return f"waits for {describe_line(line, demand, same)} free together, from {week_label(start)}", i


def schedule(
    free: FloatGrid,
    staff: StaffArrays,
    demands: Sequence[Demand],
    *,
    week_label: Callable[[int], str] = str,
    progress: Callable[[int], None] | None = None,
) -> list[Placement]:
    """Place `demands` in queue order into `free` (mutated). Deterministic."""
    out = []
    for d in demands:
        out.append(place(free, staff, d, week_label=week_label))
        if progress is not None:
            progress(1)
    return out


# --- capacity ------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


_HOLIDAY_CACHE: dict[tuple[str, str, int, int], frozenset[date]] = {}


def holiday_dates(country: str, subdivision: str, first_year: int, last_year: int) -> frozenset[date]:
    """Public holidays from the `holidays` package (cached per calendar); unknown calendars → none."""
    key = (country, subdivision, first_year, last_year)
    if key not in _HOLIDAY_CACHE:
        import holidays  # noqa: PLC0415 — slow to import; only a forecast run's capacity grid needs it

        try:
            cal = holidays.country_holidays(country, subdiv=subdivision or None, years=range(first_year, last_year + 1))
            _HOLIDAY_CACHE[key] = frozenset(cal.keys())
        except (NotImplementedError, KeyError):
            _HOLIDAY_CACHE[key] = frozenset()
    return _HOLIDAY_CACHE[key]


def working_share(
    week0: date, weeks: int, *, country: str, subdivision: str, time_off: Iterable[tuple[date, date]] = ()
) -> FloatGrid:
    """Per week, the share of the five weekdays that are working days (not a holiday, not time off)."""
    days = np.arange(weeks * 7)
    base = np.datetime64(week0.isoformat(), "D")
    dates = base + days
    weekday = days % 7 < 5
    hol = holiday_dates(country, subdivision, week0.year, (week0 + timedelta(days=weeks * 7)).year)
    off = np.zeros(weeks * 7, dtype=np.bool_)
    if hol:
        off |= np.isin(dates, np.array(sorted(hol), dtype="datetime64[D]"))
    for a, b in time_off:
        lo = max((a - week0).days, 0)
        hi = min((b - week0).days + 1, weeks * 7)
        if hi > lo:
            off[lo:hi] = True
    working = (weekday & ~off).reshape(weeks, 7).sum(axis=1)
    share: FloatGrid = working / 5.0
    return share


PACE_MIN = 0.6


def pace_from_share(share: FloatGrid) -> FloatGrid:
    """A project's pace per consultant-week. A week with at least three working days (a public
    holiday, a day or two off) still counts at a proportionally lower pace — the project slows, it
    does not stop; a week with fewer working days counts at full pace, so the consultant's reduced
    capacity cannot carry it and the week blocks (nobody is planned across their holiday)."""
    pace: FloatGrid = np.where(share >= PACE_MIN - EPS, share, 1.0)
    return pace


def capacity_grid(
    weekly_hours: Sequence[float], utilisation: Sequence[float], shares: Sequence[FloatGrid]
) -> FloatGrid:
    """free[c, w] = weekly hours x utilisation target x working share of the week."""
    h = np.asarray(weekly_hours, dtype=np.float64) * np.asarray(utilisation, dtype=np.float64)
    grid: FloatGrid = h[:, None] * np.vstack(shares)
    return grid


def weeks_for(hours: float, weekly_hours: float) -> int:
    """Weeks a role needs at its weekly intensity (the last week may be partial but is reserved whole)."""
    if hours <= 0 or weekly_hours <= 0:
        raise ValueError("hours and weekly hours must be positive")
    return max(1, math.ceil(hours / weekly_hours - EPS))


# --- sampling ------------------------------------------------------------------------------------


def nearest_rank(values: Sequence[int], q: float) -> int:
    """The nearest-rank percentile (an observed value; P50 ≤ P80 always)."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


@dataclass
class Sampled:
    """A whole forecast run: committed placements, then tentative starts over samples.

    `tent_start[k, j]`: week tentative demand j started in sample k; -1 when it did not close in that
    sample, `weeks` (the horizon) when it closed but did not fit. `allocs` rows are
    (sample, tentative index, consultant, start, weeks, weekly_hours) for the what-if replay.
    """

    committed: list[Placement]
    base_free: FloatGrid
    tent_start: npt.NDArray[np.int32]
    tent_binding: list[str]
    tent_consultants: list[tuple[int, ...]]
    allocs: npt.NDArray[np.float64]
    samples: int
    seed: int
    weeks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def expanded(
        self, pace: FloatGrid | None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], FloatGrid]:
        """The tentative allocations as one row per consultant-week (tentative index, sample,
        consultant, week, hours at pace), sorted by tentative index; built once and kept."""
        if "expanded" not in self.extra:
            a = self.allocs
            a = a[np.argsort(a[:, 1], kind="stable")] if a.size else np.zeros((0, 6))
            span = a[:, 4].astype(np.int64)
            rep = np.repeat(np.arange(a.shape[0]), span)
            week = a[rep, 3].astype(np.int64) + (np.arange(rep.size) - np.repeat(np.cumsum(span) - span, span))
            c = a[rep, 2].astype(np.int64)
            amount = a[rep, 5] if pace is None else a[rep, 5] * pace[c, week]
            self.extra["expanded"] = (a[rep, 1].astype(np.int64), a[rep, 0].astype(np.int64), c, week, amount)
        result: Any = self.extra["expanded"]
        return result

    def tentative_percentiles(self, j: int) -> tuple[int | None, int | None, int]:
        col = self.tent_start[:, j]
        closed = [int(x) for x in col if x >= 0]
        if not closed:
            return None, None, 0
        return nearest_rank(closed, 0.5), nearest_rank(closed, 0.8), len(closed)


def forecast_sampled(
    capacity: FloatGrid,
    staff: StaffArrays,
    committed: Sequence[Demand],
    tentative: Sequence[Demand],
    *,
    samples: int,
    seed: int,
    week_label: Callable[[int], str] = str,
    progress: Callable[[int], None] | None = None,
) -> Sampled:
    """Committed work is deterministic and ahead of all pipeline, so it is placed once; each sample
    then draws which tentative deals close (independent Bernoulli with their probability, fixed seed)
    and places the closing ones, in their order, into a copy of the capacity the committed work left.

    The samples are not run one after the other: `sample_tentative` takes each tentative deal once
    and places it in every sample it closed in over a samples x consultants x weeks array. The result
    is the one of placing every sample in turn (`forecast_reference.forecast_sampled_per_sample`)."""
    free = capacity.copy()
    placed = schedule(free, staff, committed, week_label=week_label, progress=progress)
    starts, binding, consultants, allocs = sample_tentative(
        free, staff, tentative, samples=samples, seed=seed, week_label=week_label, progress=progress
    )
    return Sampled(placed, free, starts, binding, consultants, allocs, samples, seed, capacity.shape[1])


SAMPLE_MEMORY = 64 * 2**20  # bytes of free hours held at once; more samples than fit run in chunks


def sample_tentative(
    free: FloatGrid,
    staff: StaffArrays,
    tentative: Sequence[Demand],
    *,
    samples: int,
    seed: int,
    week_label: Callable[[int], str] = str,
    progress: Callable[[int], None] | None = None,
) -> tuple[npt.NDArray[np.int32], list[str], list[tuple[int, ...]], npt.NDArray[np.float64]]:
    """The sampled part of `forecast_sampled` (`free`: the capacity the committed work left, not
    mutated). Returns (starts, bindings, consultants, allocation rows) as `Sampled` holds them.

    The "why it waits" text and the consultants kept for deal j are those of the first sample it
    closed in; the text is built once per deal, for that sample only. Samples are processed in
    chunks of at most SAMPLE_MEMORY bytes of free hours (one chunk at the usual sizes)."""
    probs = np.array([d.probability for d in tentative], dtype=np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.random((samples, len(tentative))) < probs[None, :]
    starts = np.full((samples, len(tentative)), -1, dtype=np.int32)
    binding = [""] * len(tentative)
    consultants: list[tuple[int, ...]] = [()] * len(tentative)
    allocs: list[npt.NDArray[np.float64]] = [np.zeros((0, 6), dtype=np.float64)]
    per_chunk = max(1, SAMPLE_MEMORY // max(1, free.size * 8))
    reported = 0
    for lo in range(0, samples, per_chunk):
        size = min(per_chunk, samples - lo)
        run = _SampleRun(free, staff, size, week_label)
        for j, demand in enumerate(tentative):
            ks = np.flatnonzero(draws[lo : lo + size, j])
            if ks.size:
                explain = not binding[j]  # not found in an earlier chunk
                out, text, kept = run.place(j, demand, ks, explain=explain)
                starts[lo + ks, j] = out
                if explain:
                    binding[j], consultants[j] = text, kept
            if progress is not None:  # one step per sample in all, spread over the deals
                step = lo + size * (j + 1) // len(tentative) - reported
                if step:
                    progress(step)
                    reported += step
        chunk = run.allocations()
        chunk[:, 0] += lo
        allocs.append(chunk)
    if progress is not None and reported < samples:
        progress(samples - reported)
    return starts, binding, consultants, np.concatenate(allocs)


def _blocked(
    grid: npt.NDArray[np.float64],
    pace: FloatGrid | None,
    idx: npt.NDArray[np.int64],
    line: Line,
    a: int,
    b: int,
    ks: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_]:
    """blocked[i, s - a(, k)]: consultant idx[i] lacks the line's hours in some week s .. s+weeks-1
    (the negation of `_line_fits`' test, with the same arithmetic), for starts a <= s < b. `grid` is
    consultants x weeks, or consultants x weeks x samples — then of samples `ks` (None: all)."""
    hi = b + line.weeks - 1
    if pace is None:
        need: FloatGrid | float = line.weekly_hours
    else:
        need = line.weekly_hours * (pace[idx, a:hi] if grid.ndim == 2 else pace[idx, a:hi, None])
    if grid.ndim == 2 or ks is None:  # one contiguous read per consultant
        bad = grid[idx, a:hi] < need - EPS
    else:
        bad = grid[idx[:, None, None], np.arange(a, hi)[None, :, None], ks[None, None, :]] < need - EPS
    span = b - a
    if line.weeks <= 8:
        acc = bad[:, :span].copy()
        for i in range(1, line.weeks):
            acc |= bad[:, i : i + span]
        return acc
    cum = np.zeros((bad.shape[0], bad.shape[1] + 1, *bad.shape[2:]), dtype=np.int32)
    np.cumsum(bad, axis=1, out=cum[:, 1:])
    blocked: npt.NDArray[np.bool_] = (cum[:, line.weeks : line.weeks + span] - cum[:, :span]) != 0
    return blocked


class _SampleRun:
    """`place` for one demand in many samples at once. `grids[c, w, k]` holds the free hours of
    consultant c in week w in sample k (samples last, so a block of weeks of a consultant is one
    contiguous read across all samples); mutated as deals are placed. Same rule and the same
    floating-point operations as `place`, so the same starts and the same free hours.

    The search runs over windows of start weeks. `upper[c, w]` is the most free hours any sample has
    left (refreshed every REFRESH deals; a stale value is higher, so still a bound), so no sample
    can start a deal before the first week it fits in `upper`, and only consultants who fit there
    within a window can serve it in a sample: the first window starts at that week, only those
    consultants are read, and only the samples not placed yet move on to the next window."""

    WINDOW = 2  # start weeks looked at first (most samples start a deal within a week or two)

    def __init__(self, base: FloatGrid, staff: StaffArrays, samples: int, week_label: Callable[[int], str]) -> None:
        self.staff, self.pace, self.week_label = staff, staff.pace, week_label
        self.weeks = base.shape[1]
        self.grids: npt.NDArray[np.float64] = np.empty((*base.shape, samples), dtype=np.float64)
        self.grids[...] = base[:, :, None]
        self.upper = base.copy()
        self.touched = np.zeros(base.shape, dtype=np.bool_)  # taken since `upper` was last refreshed
        self.pending_refresh = 0
        self.eligible: dict[tuple[Any, ...], npt.NDArray[np.int64]] = {}
        # per placed line: samples, tentative index, line number, consultants, starts, the line
        self.rows: list[tuple[npt.NDArray[np.int64], int, int, npt.NDArray[np.int64], npt.NDArray[np.int64], Line]] = []

    def sample(self, k: int) -> FloatGrid:
        """Sample k's free hours as a consultants x weeks grid (a view)."""
        view: FloatGrid = self.grids[:, :, k]
        return view

    def _eligible(self, demand: Demand, line: Line) -> npt.NDArray[np.int64]:
        key = (line.role, line.skills, demand.cleared_only, demand.regions)
        if key not in self.eligible:
            self.eligible[key] = np.flatnonzero(eligible(self.staff, demand, line)).astype(np.int64)
        return self.eligible[key]

    def place(
        self, j: int, demand: Demand, ks: npt.NDArray[np.int64], *, explain: bool = True
    ) -> tuple[npt.NDArray[np.int64], str, tuple[int, ...]]:
        """Place `demand` (tentative index j) in samples `ks`; returns the start per sample (`weeks`
        when it does not fit) and the binding and consultants of sample ks[0] (no text unless
        `explain`)."""
        weeks, e = self.weeks, demand.earliest_week
        first = int(ks[0])
        cands = [self._eligible(demand, line) for line in demand.lines]
        n = min((weeks - line.weeks + 1 for line in demand.lines), default=0)
        out = np.full(ks.size, weeks, dtype=np.int64)
        open_starts = np.zeros(0, dtype=np.int64)
        bound: list[int] = []  # each line's first fitting week in `upper`: no sample's is earlier
        upper_blocked: list[npt.NDArray[np.bool_]] = []  # consultants x starts e..n-1, in `upper`
        if demand.lines and e < n and all(idx.size for idx in cands):
            common = np.ones(n - e, dtype=np.bool_)
            for idx, line in zip(cands, demand.lines, strict=True):
                upper_blocked.append(_blocked(self.upper, self.pace, idx, line, e, n))
                served = ~upper_blocked[-1].all(axis=0)
                common &= served
                bound.append(e + int(np.argmax(served)))
            open_starts = e + np.flatnonzero(common)
        if open_starts.size == 0 and not explain:
            return out, "", ()
        if open_starts.size == 0:  # it fits in no sample: the scalar rule names the reason
            p = place(self.sample(first).copy(), self.staff, demand, week_label=self.week_label)
            return out, p.binding, p.consultants
        # lines of different roles never share a consultant (eligibility requires the role)
        roles = [line.role for line in demand.lines]
        disjoint = len(set(roles)) == len(roles) or sum(c.size for c in cands) == np.unique(np.concatenate(cands)).size
        pending = np.arange(ks.size)
        picks = np.zeros((len(cands), ks.size), dtype=np.int64)
        a, width = int(open_starts[0]), self.WINDOW
        while pending.size and a < n:
            b = min(a + width, n)  # a is a start where every line has someone in `upper`
            can = [idx[~ub[:, a - e : b - e].all(axis=1)] for idx, ub in zip(cands, upper_blocked, strict=True)]
            found, at, chosen = self._window(demand, can, ks[pending], a, b, disjoint)
            out[pending[found]] = a + at
            picks[:, pending[found]] = chosen
            pending = pending[~found]
            nxt = int(np.searchsorted(open_starts, b))
            a, width = (int(open_starts[nxt]) if nxt < open_starts.size else n), width * 2
        kept = tuple(int(c) for c in picks[:, 0])
        text = ""
        if explain:
            text, kept = self._explain(demand, cands, bound, first, int(out[0]), kept)
        placed = out < weeks
        if placed.any():
            ks_p, out_p, picks_p = ks[placed], out[placed], picks[:, placed]
            for line_no, line in enumerate(demand.lines):
                self._reserve(ks_p, picks_p[line_no], out_p, line)
                self.rows.append((ks_p, j, line_no, picks_p[line_no], out_p, line))
            self._upper_update(picks_p, out_p, demand)
        return out, text, kept

    def _window(
        self,
        demand: Demand,
        cands: list[npt.NDArray[np.int64]],
        ks: npt.NDArray[np.int64],
        a: int,
        b: int,
        disjoint: bool,
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Starts a..b-1 in samples `ks`: which of them have one, the first (as an offset from a),
        and the consultant serving each line there (lines x samples found)."""
        few = 3 * ks.size < self.grids.shape[2]  # a few samples left: read only theirs
        cols = np.arange(ks.size) if few else ks  # sample ks[i] is column cols[i] of `blocked`
        blocked = [
            _blocked(self.grids, self.pace, idx, line, a, b, ks if few else None)
            for idx, line in zip(cands, demand.lines, strict=True)
        ]
        if disjoint:  # no consultant can serve two lines: each line takes its lowest fitting one
            served = ~blocked[0].all(axis=0)
            for bl in blocked[1:]:
                served &= ~bl.all(axis=0)
            served = served[:, cols]
            found = served.any(axis=0)
            rows = np.flatnonzero(found)
            at = np.argmax(served[:, rows], axis=0)
            chosen = [idx[np.argmin(bl[:, at, cols[rows]], axis=0)] for idx, bl in zip(cands, blocked, strict=True)]
            return found, at, np.array(chosen, dtype=np.int64).reshape(len(cands), rows.size)
        # lines share consultants: serve them in order, each by the lowest fitting one not yet taken
        union = np.unique(np.concatenate(cands))
        taken = np.zeros((union.size, b - a, ks.size), dtype=np.bool_)
        served = np.ones((b - a, ks.size), dtype=np.bool_)
        s_ix, k_ix = np.indices((b - a, ks.size))
        pick_at: list[npt.NDArray[np.int64]] = []
        for idx, bl in zip(cands, blocked, strict=True):
            avail = np.zeros_like(taken)
            avail[np.searchsorted(union, idx)] = ~bl[:, :, cols]
            avail &= ~taken
            has = avail.any(axis=0)
            pick = np.argmax(avail, axis=0)
            taken[pick[has], s_ix[has], k_ix[has]] = True
            served &= has
            pick_at.append(pick)
        found = served.any(axis=0)
        rows = np.flatnonzero(found)
        at = np.argmax(served[:, rows], axis=0)
        chosen = [union[p[at, rows]] for p in pick_at]
        return found, at, np.array(chosen, dtype=np.int64).reshape(len(cands), rows.size)

    def _reserve(
        self, ks: npt.NDArray[np.int64], cs: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], line: Line
    ) -> None:
        """Take the line's hours in each sample (one consultant per sample, so no cell repeats)."""
        w = starts[:, None] + np.arange(line.weeks)[None, :]
        k, c = ks[:, None], cs[:, None]
        if self.pace is None:
            self.grids[c, w, k] -= line.weekly_hours
        else:
            self.grids[c, w, k] -= line.weekly_hours * self.pace[c, w]

    REFRESH = 8  # deals placed between refreshes of `upper`

    def _upper_update(self, picks: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], demand: Demand) -> None:
        """Note the consultant-weeks just taken (lines x samples in `picks`); every REFRESH deals,
        lower `upper` to the samples' most free hours there. Between refreshes `upper` is merely
        higher than it could be — still a bound, since capacity only shrinks."""
        for i, line in enumerate(demand.lines):
            self.touched[picks[i][:, None], starts[:, None] + np.arange(line.weeks)[None, :]] = True
        self.pending_refresh += 1
        if self.pending_refresh >= self.REFRESH:
            self.pending_refresh = 0
            c, w = np.nonzero(self.touched)
            self.touched[c, w] = False
            self.upper[c, w] = self.grids[c, w, :].max(axis=1)

    def _explain(
        self,
        demand: Demand,
        cands: list[npt.NDArray[np.int64]],
        bound: list[int],
        k: int,
        start: int,
        chosen: tuple[int, ...],
    ) -> tuple[str, tuple[int, ...]]:
        """The binding text (and consultants) of sample k, before the demand's hours are taken
        there; built once per deal."""
        if start >= self.weeks:
            p = place(self.sample(k).copy(), self.staff, demand, week_label=self.week_label)
            return p.binding, p.consultants
        first_fit: list[int | None] = []
        if start > demand.earliest_week:  # `_binding` needs each line's first fitting week: it is
            # no earlier than its bound in `upper` and no later than the start
            grid = self.sample(k)
            for idx, line, lo in zip(cands, demand.lines, bound, strict=True):
                fit = ~_blocked(grid, self.pace, idx, line, lo, start).all(axis=0) if lo < start else None
                first_fit.append(lo + int(np.argmax(fit)) if fit is not None and fit.any() else start)
        return _binding(demand, first_fit, start, self.week_label)[0], chosen

    def allocations(self) -> npt.NDArray[np.float64]:
        """(sample, tentative index, consultant, start, weeks, weekly hours) rows, ordered by sample,
        then deal, then line: the order of placing each sample in turn. Rows were kept in deal and
        line order, so a stable sort by sample is enough."""
        if not self.rows:
            return np.zeros((0, 6), dtype=np.float64)
        sizes = [r[0].size for r in self.rows]
        k = np.concatenate([r[0] for r in self.rows])
        order = np.argsort(k, kind="stable")
        allocs = np.empty((k.size, 6), dtype=np.float64)
        allocs[:, 0] = k[order]
        allocs[:, 1] = np.repeat(np.array([float(r[1]) for r in self.rows]), sizes)[order]
        allocs[:, 2] = np.concatenate([r[3] for r in self.rows])[order]
        allocs[:, 3] = np.concatenate([r[4] for r in self.rows])[order]
        allocs[:, 4] = np.repeat(np.array([float(r[5].weeks) for r in self.rows]), sizes)[order]
        allocs[:, 5] = np.repeat(np.array([r[5].weekly_hours for r in self.rows], dtype=np.float64), sizes)[order]
        return allocs


def whatif_from_samples(
    sampled: Sampled,
    staff: StaffArrays,
    demand: Demand,
    *,
    ahead: int,
    week_label: Callable[[int], str] = str,
) -> tuple[int | None, int | None, list[int], str]:
    """Place a hypothetical demand behind the committed work and the first `ahead` tentative deals
    (those expected to close before it), in every cached sample; nothing is saved.

    Only the rows of consultants eligible for one of its lines are rebuilt, so this stays cheap.
    Returns (P50, P80, starts per sample — `weeks` when beyond the horizon, binding constraint)."""
    rows = np.zeros(staff.size, dtype=np.bool_)
    for line in demand.lines:
        rows |= eligible(staff, demand, line)
    idx = np.flatnonzero(rows)
    weeks = sampled.base_free.shape[1]
    if not demand.lines or idx.size == 0:
        p = place(sampled.base_free.copy(), staff, demand, week_label=week_label)
        return None, None, [], p.binding
    grids = np.repeat(sampled.base_free[idx][None, :, :], sampled.samples, axis=0)
    j, k, c, week, amount = sampled.expanded(staff.pace)
    cut = int(np.searchsorted(j, ahead, side="left"))  # rows are sorted by tentative index
    keep = rows[c[:cut]]
    if keep.any():
        lookup = np.full(staff.size, -1, dtype=np.int64)
        lookup[idx] = np.arange(idx.size)
        # one bincount instead of a scatter: several allocations may hit the same consultant-week
        flat = (k[:cut][keep] * idx.size + lookup[c[:cut][keep]]) * weeks + week[:cut][keep]
        grids -= np.bincount(flat, weights=amount[:cut][keep], minlength=grids.size).reshape(grids.shape)
    sub = StaffArrays(
        keys=staff.keys[idx],
        roles=staff.roles[idx],
        regions=staff.regions[idx],
        cleared=staff.cleared[idx],
        levels=staff.levels[idx],
        role_names=staff.role_names,
        region_names=staff.region_names,
        skill_names=staff.skill_names,
        pace=staff.pace[idx] if staff.pace is not None else None,
    )
    starts = _starts_across_samples(grids, sub, demand)
    p50, p80 = nearest_rank(starts, 0.5), nearest_rank(starts, 0.8)
    # name the constraint of a sample that lands on the median, so the words match the P50 date
    median_sample = starts.index(p50)
    binding = place(grids[median_sample].copy(), sub, demand, week_label=week_label).binding
    return p50, p80, starts, binding


def _starts_across_samples(grids: npt.NDArray[np.float64], staff: StaffArrays, demand: Demand) -> list[int]:
    """`place` for one demand in every sample at once (grids: samples x consultants x weeks); the
    same rule, vectorised over samples. Returns the start per sample, `weeks` when it does not fit."""
    samples, _, weeks = grids.shape
    fits: list[npt.NDArray[np.bool_]] = []
    cands: list[npt.NDArray[np.int64]] = []
    for line in demand.lines:
        el = np.flatnonzero(eligible(staff, demand, line)).astype(np.int64)
        nstarts = weeks - line.weeks + 1
        if el.size == 0 or nstarts <= 0:
            return [weeks] * samples
        need = line.weekly_hours if staff.pace is None else line.weekly_hours * staff.pace[el]
        bad = grids[:, el, :] < need - EPS
        cum = np.zeros((samples, el.size, weeks + 1), dtype=np.int32)
        np.cumsum(bad, axis=2, out=cum[:, :, 1:])
        f = (cum[:, :, line.weeks : line.weeks + nstarts] - cum[:, :, :nstarts]) == 0
        f[:, :, : min(demand.earliest_week, nstarts)] = False
        fits.append(f)
        cands.append(el)
    n = min(f.shape[2] for f in fits)
    common = np.ones((samples, n), dtype=np.bool_)
    for f in fits:
        common &= f[:, :, :n].any(axis=1)
    out = []
    for k in range(samples):
        start = weeks
        for s in np.flatnonzero(common[k]):
            chosen: list[int] = []
            for el, f in zip(cands, fits, strict=True):
                pick = next((int(c) for c in el[f[k, :, s]] if int(c) not in chosen), None)
                if pick is None:
                    break
                chosen.append(pick)
            else:
                start = int(s)
                break
        out.append(start)
    return out
