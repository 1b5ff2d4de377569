"""The queue rules of `forecast.py` written as straightforward loops over lists: the executable
specification. Tests compare the vectorised forecast against it; the bench reports the speed-up.

Deliberately naive: for every candidate week, every line, every consultant and every week of the
line's duration it checks the free hours one by one.

`forecast_sampled_per_sample` is the sampled run as it was before issue 16: every sample placed in
turn, one `place` call per closing deal. `forecast.forecast_sampled` processes each deal once across
all samples; tests check both give the same starts, consultants, allocations and explanations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from psdesk.scheduling.forecast import (
    EPS,
    Demand,
    EligibleCache,
    FloatGrid,
    Line,
    Sampled,
    Staff,
    StaffArrays,
    place,
    schedule,
)


def is_eligible(s: Staff, demand: Demand, line: Line) -> bool:
    if s.role != line.role:
        return False
    levels = dict(s.skills)
    if any(levels.get(k, 0) < lvl for k, lvl in line.skills):
        return False
    if demand.cleared_only and not s.cleared:
        return False
    return not (demand.regions and s.region not in demand.regions)


Pace = list[list[float]] | None


def need(pace: Pace, c: int, w: int, hours: float) -> float:
    return hours if pace is None else hours * pace[c][w]


def fits(free: list[list[float]], pace: Pace, c: int, start: int, line: Line) -> bool:
    if start + line.weeks > len(free[c]):
        return False
    return all(free[c][w] >= need(pace, c, w, line.weekly_hours) - EPS for w in range(start, start + line.weeks))


def place_reference(
    free: list[list[float]], staff: Sequence[Staff], demand: Demand, pace: Pace = None
) -> tuple[int | None, tuple[int, ...]]:
    weeks = len(free[0]) if free else 0
    if not demand.lines:
        return None, ()
    for start in range(demand.earliest_week, weeks):
        chosen: list[int] = []
        for line in demand.lines:
            pick = None
            for c, s in enumerate(staff):
                if c not in chosen and is_eligible(s, demand, line) and fits(free, pace, c, start, line):
                    pick = c
                    break
            if pick is None:
                break
            chosen.append(pick)
        else:
            for c, line in zip(chosen, demand.lines, strict=True):
                for w in range(start, start + line.weeks):
                    free[c][w] -= need(pace, c, w, line.weekly_hours)
            return start, tuple(chosen)
    return None, ()


def schedule_reference(
    free: list[list[float]], staff: Sequence[Staff], demands: Sequence[Demand], pace: Pace = None
) -> list[tuple[int | None, tuple[int, ...]]]:
    return [place_reference(free, staff, d, pace) for d in demands]


def forecast_sampled_per_sample(
    capacity: FloatGrid,
    staff: StaffArrays,
    committed: Sequence[Demand],
    tentative: Sequence[Demand],
    *,
    samples: int,
    seed: int,
    week_label: Callable[[int], str] = str,
) -> Sampled:
    """The same run as `forecast.forecast_sampled`, one sample at a time (the slow, simple path)."""
    free = capacity.copy()
    placed = schedule(free, staff, committed, week_label=week_label)
    weeks = capacity.shape[1]
    probs = np.array([d.probability for d in tentative], dtype=np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.random((samples, len(tentative))) < probs[None, :]
    starts = np.full((samples, len(tentative)), -1, dtype=np.int32)
    binding = [""] * len(tentative)
    consultants: list[tuple[int, ...]] = [()] * len(tentative)
    rows: list[tuple[float, float, float, float, float, float]] = []
    cache: EligibleCache = {}
    for k in range(samples):
        g = free.copy()
        for j in (int(x) for x in np.flatnonzero(draws[k])):
            keep = not binding[j] or k == 0  # the explanation kept: the first sample's, or the first found
            p = place(g, staff, tentative[j], week_label=week_label, cache=cache, explain=keep)
            starts[k, j] = weeks if p.start is None else p.start
            if keep:
                binding[j] = p.binding
                consultants[j] = p.consultants
            if p.start is not None:
                for c, line in zip(p.consultants, tentative[j].lines, strict=True):
                    rows.append((float(k), float(j), float(c), float(p.start), float(line.weeks), line.weekly_hours))
    allocs = np.array(rows, dtype=np.float64).reshape(-1, 6)
    return Sampled(placed, free, starts, binding, consultants, allocs, samples, seed, weeks)
