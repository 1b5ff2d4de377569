"""The queue rules of `forecast.py` written as straightforward loops over lists: the executable
specification. Tests compare the vectorised forecast against it; the bench reports the speed-up.

Deliberately naive: for every candidate week, every line, every consultant and every week of the
line's duration it checks the free hours one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

from psdesk.scheduling.forecast import EPS, Demand, Line, Staff


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
