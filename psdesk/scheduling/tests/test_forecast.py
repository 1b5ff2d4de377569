"""The pure forecast: hand-computed cases, backfill rule, sampling, and properties against the oracle."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from psdesk.scheduling.forecast import (
    Demand,
    Line,
    Staff,
    capacity_grid,
    eligible,
    forecast_sampled,
    pace_from_share,
    schedule,
    staff_compile,
    weeks_for,
    whatif_from_samples,
    working_share,
)
from psdesk.scheduling.forecast_reference import is_eligible, schedule_reference

PSE = Staff(1, "PSE", "AMER", False, (("gitlab", 3),))
TA = Staff(2, "TA", "AMER", False, (("geo", 3),))
TA_CLEARED = Staff(3, "TA", "AMER", True, (("geo", 4),))


def grid(n: int, weeks: int, hours: float = 40.0) -> np.ndarray:
    return np.full((n, weeks), hours)


def test_projects_are_placed_first_in_first_out() -> None:
    staff = staff_compile([PSE])
    free = grid(1, 10)
    a = Demand(1, (Line("PSE", 40, 3),))
    b = Demand(2, (Line("PSE", 40, 2),))
    placed = schedule(free, staff, [a, b])
    assert [(p.start, p.consultants) for p in placed] == [(0, (0,)), (3, (0,))]
    assert placed[1].binding == "waits for 1 PSE for 40 h/week x 2 weeks, free from 3"
    assert free[0].tolist() == [0, 0, 0, 0, 0, 40, 40, 40, 40, 40]


def test_a_later_small_project_backfills_only_capacity_nobody_ahead_uses() -> None:
    staff = staff_compile([PSE, TA])
    free = grid(2, 10)
    big = Demand(1, (Line("PSE", 40, 4), Line("TA", 40, 4)), earliest_week=0)
    waits_for_ta = Demand(2, (Line("TA", 40, 2),))
    small_pse = Demand(3, (Line("PSE", 20, 2),))
    placed = schedule(free, staff, [big, waits_for_ta, small_pse])
    assert [p.start for p in placed] == [0, 4, 4]
    # the small PSE job does not jump in front of `big` even though it is smaller: PSE is busy until 4
    half = Demand(4, (Line("PSE", 20, 1),))
    assert schedule(free, staff, [half])[0].start == 4  # 20 h left beside the small job in week 4


def test_a_later_project_starts_first_when_it_uses_capacity_the_one_ahead_cannot() -> None:
    staff = staff_compile([PSE, TA])
    free = grid(2, 10)
    free[1, :4] = 0  # the only TA is booked until week 4
    ahead = Demand(1, (Line("TA", 20, 2),))
    behind = Demand(2, (Line("PSE", 20, 2),))
    alone = schedule(free.copy(), staff, [ahead])[0]
    both = schedule(free.copy(), staff, [ahead, behind])
    assert [p.start for p in both] == [4, 0]  # backfill: the PSE job does not wait behind the TA job
    assert (both[0].start, both[0].consultants) == (alone.start, alone.consultants)  # and delays nobody


def test_adding_projects_behind_never_changes_the_schedule_ahead() -> None:
    staff = staff_compile([PSE, TA])
    ahead = [Demand(1, (Line("PSE", 30, 3),)), Demand(2, (Line("TA", 20, 5), Line("PSE", 10, 2)), earliest_week=1)]
    alone = schedule(grid(2, 12), staff, ahead)
    with_more = schedule(grid(2, 12), staff, [*ahead, Demand(3, (Line("PSE", 40, 1),))])
    assert [(p.start, p.consultants) for p in alone] == [(p.start, p.consultants) for p in with_more[:2]]


def test_hard_constraints_are_never_violated_and_pubsec_waits_for_a_cleared_ta() -> None:
    staff = staff_compile([PSE, TA, TA_CLEARED])
    free = grid(3, 10)
    free[2, :3] = 0  # the only cleared TA is busy for three weeks
    pubsec = Demand(1, (Line("TA", 10, 2, (("geo", 3),)),), cleared_only=True)
    placed = schedule(free, staff, [pubsec])[0]
    assert placed.start == 3
    assert placed.consultants == (2,)
    assert (
        placed.binding == "waits for 1 TA with skill geo ≥ 3 cleared (US citizen) for 10 h/week x 2 weeks, free from 3"
    )


def test_a_skill_level_nobody_has_is_named_as_the_reason() -> None:
    staff = staff_compile([TA])
    placed = schedule(grid(1, 5), staff, [Demand(1, (Line("TA", 10, 1, (("geo", 5),)),))])[0]
    assert placed.start is None
    assert placed.binding == "no consultant exists who is 1 TA with skill geo ≥ 5 for 10 h/week x 1 weeks"


def test_desired_start_window_is_respected() -> None:
    staff = staff_compile([PSE])
    placed = schedule(
        grid(1, 10), staff, [Demand(1, (Line("PSE", 10, 2),), earliest_week=5)], week_label=lambda w: f"w{w}"
    )
    assert placed[0].start == 5
    assert placed[0].binding == "starts at the desired start window (w5)"


def test_holidays_and_time_off_reduce_the_weeks_capacity() -> None:
    # week of Monday 2026-12-21: Christmas Friday 25 Dec (US); time off Mon-Tue 28-29 Dec
    share = working_share(
        date(2026, 12, 21), 3, country="US", subdivision="", time_off=[(date(2026, 12, 28), date(2026, 12, 29))]
    )
    # week 2 keeps Wed-Thu only: Mon-Tue off, Friday 1 Jan 2027 is New Year's Day
    assert share.tolist() == [0.8, 0.4, 1.0]
    cap = capacity_grid([40.0], [0.7], [share])
    assert np.allclose(cap, [[22.4, 11.2, 28.0]])


def test_time_off_blocks_a_project_that_needs_the_full_week() -> None:
    share = working_share(
        date(2027, 3, 1), 4, country="US", subdivision="", time_off=[(date(2027, 3, 8), date(2027, 3, 12))]
    )
    free = capacity_grid([40.0], [1.0], [share])
    placed = schedule(free, staff_compile([PSE]), [Demand(1, (Line("PSE", 40, 2),))])[0]
    assert placed.start == 2


def test_a_holiday_slows_a_project_and_a_long_absence_blocks_it() -> None:
    # week 1 has Christmas (4 days), week 2 has New Year plus two days off (2 days)
    share = working_share(
        date(2026, 12, 14), 4, country="US", subdivision="", time_off=[(date(2026, 12, 28), date(2026, 12, 29))]
    )
    assert share.tolist() == [1.0, 0.8, 0.4, 1.0]
    staff = staff_compile([PSE])
    staff.pace = pace_from_share(share[None, :])
    assert staff.pace.tolist() == [[1.0, 0.8, 1.0, 1.0]]
    free = capacity_grid([40.0], [0.7], [share])  # 28, 22.4, 11.2, 28
    two_weeks = schedule(free.copy(), staff, [Demand(1, (Line("PSE", 24, 2),))])[0]
    assert two_weeks.start == 0  # 24 in week 0, 19.2 in the Christmas week
    three_weeks = schedule(free.copy(), staff, [Demand(1, (Line("PSE", 24, 3),))])[0]
    assert three_weeks.start is None  # the two-day week blocks; it cannot start in week 3 for 3 weeks
    g = free.copy()
    schedule(g, staff, [Demand(1, (Line("PSE", 24, 2),))])
    assert np.allclose(g, [[4.0, 3.2, 11.2, 28.0]])


def test_weeks_for_rounds_up() -> None:
    assert weeks_for(100, 32) == 4
    assert weeks_for(64, 32) == 2


def _tentative_case() -> tuple[np.ndarray, object, list[Demand], list[Demand]]:
    staff = staff_compile([PSE, Staff(4, "PSE", "AMER", False, (("gitlab", 2),))])
    committed = [Demand(1, (Line("PSE", 40, 3),))]
    tentative = [
        Demand(10, (Line("PSE", 40, 2),), probability=0.8),
        Demand(11, (Line("PSE", 40, 4),), probability=0.5),
        Demand(12, (Line("PSE", 40, 2),), probability=0.5),
    ]
    return grid(2, 20), staff, committed, tentative


def test_sampling_is_deterministic_with_a_fixed_seed_and_p50_is_not_after_p80() -> None:
    cap, staff, committed, tentative = _tentative_case()
    a = forecast_sampled(cap, staff, committed, tentative, samples=200, seed=7)  # type: ignore[arg-type]
    b = forecast_sampled(cap, staff, committed, tentative, samples=200, seed=7)  # type: ignore[arg-type]
    assert np.array_equal(a.tent_start, b.tent_start)
    assert a.committed[0].start == 0
    for j in range(3):
        p50, p80, n = a.tentative_percentiles(j)
        assert n > 0 and p50 is not None and p80 is not None and p50 <= p80
    # the first tentative deal always finds the second PSE free at once
    assert a.tentative_percentiles(0)[:2] == (0, 0)
    # the third waits behind the second in the samples where both close
    p50, p80, _ = a.tentative_percentiles(2)
    assert (p50, p80) == (2, 3)


def test_whatif_with_holiday_pace_matches_placing_it_in_each_sample() -> None:
    cap, staff, committed, tentative = _tentative_case()
    staff.pace = np.ones_like(cap)  # type: ignore[attr-defined]
    staff.pace[:, 1] = 0.8  # type: ignore[attr-defined]
    cap[:, 1] *= 0.8
    sampled = forecast_sampled(cap, staff, committed, tentative, samples=200, seed=3)  # type: ignore[arg-type]
    hypo = Demand(99, (Line("PSE", 30, 3),))
    _, _, starts, _ = whatif_from_samples(sampled, staff, hypo, ahead=3)  # type: ignore[arg-type]
    draws = np.random.default_rng(3).random((200, 3)) < np.array([0.8, 0.5, 0.5])
    expected = []
    for k in range(200):
        closing = [tentative[j] for j in range(3) if draws[k, j]]
        expected.append(schedule(cap.copy(), staff, [*committed, *closing, hypo])[-1].start)  # type: ignore[arg-type]
    assert starts == expected


def test_whatif_from_cache_saves_nothing_and_matches_placing_it_in_each_sample() -> None:
    cap, staff, committed, tentative = _tentative_case()
    sampled = forecast_sampled(cap, staff, committed, tentative, samples=200, seed=7)  # type: ignore[arg-type]
    before = sampled.base_free.copy()
    hypo = Demand(99, (Line("PSE", 40, 2),))
    p50, p80, starts, binding = whatif_from_samples(sampled, staff, hypo, ahead=3)  # type: ignore[arg-type]
    assert np.array_equal(before, sampled.base_free)
    # brute force: replay each sample fully with the what-if at the back
    draws = np.random.default_rng(7).random((200, 3)) < np.array([0.8, 0.5, 0.5])
    expected = []
    for k in range(200):
        g = cap.copy()
        closing = [tentative[j] for j in range(3) if draws[k, j]]
        placed = schedule(g, staff, [*committed, *closing, hypo])  # type: ignore[arg-type]
        expected.append(placed[-1].start)
    assert starts == expected
    assert p50 is not None and p80 is not None and p50 <= p80
    assert binding.startswith("waits for 1 PSE")
    # ahead=0: only committed work is ahead → deterministic
    p50_0, p80_0, _, _ = whatif_from_samples(sampled, staff, hypo, ahead=0)  # type: ignore[arg-type]
    assert (p50_0, p80_0) == (0, 0)


# --- properties against the brute-force oracle ---------------------------------------------------

ROLES = ["PSE", "TA"]
SKILLS = ["geo", "ci"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Staff], list[list[float]], list[Demand]]:
    n_staff = draw(st.integers(1, 5))
    weeks = draw(st.integers(1, 10))
    staff = [
        Staff(
            i,
            draw(st.sampled_from(ROLES)),
            draw(st.sampled_from(["AMER", "EMEA"])),
            draw(st.booleans()),
            tuple((k, draw(st.integers(1, 4))) for k in SKILLS if draw(st.booleans())),
        )
        for i in range(n_staff)
    ]
    free = [[float(draw(st.sampled_from([0, 10, 20, 40]))) for _ in range(weeks)] for _ in range(n_staff)]
    demands = []
    for key in range(draw(st.integers(1, 6))):
        lines = tuple(
            Line(
                draw(st.sampled_from(ROLES)),
                float(draw(st.sampled_from([5, 10, 20, 40]))),
                draw(st.integers(1, 4)),
                tuple((k, draw(st.integers(1, 4))) for k in SKILLS if draw(st.integers(0, 3)) == 0),
            )
            for _ in range(draw(st.integers(1, 3)))
        )
        demands.append(
            Demand(
                key,
                lines,
                earliest_week=draw(st.integers(0, 3)),
                cleared_only=draw(st.integers(0, 3)) == 0,
                regions=draw(st.sampled_from([(), ("AMER",), ("EMEA",)])),
            )
        )
    return staff, free, demands


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_vectorised_schedule_equals_the_brute_force_oracle(
    case: tuple[list[Staff], list[list[float]], list[Demand]], data: st.DataObject
) -> None:
    staff, free, demands = case
    shares = np.array(
        [[data.draw(st.sampled_from([0.4, 0.6, 0.8, 1.0])) for _ in row] for row in free], dtype=np.float64
    )
    pace = pace_from_share(shares) if data.draw(st.booleans()) else None
    arrays = staff_compile(staff)
    arrays.pace = pace
    grid_np = np.array(free, dtype=np.float64)
    placed = schedule(grid_np, arrays, demands)
    oracle_free = [row[:] for row in free]
    expected = schedule_reference(oracle_free, staff, demands, pace.tolist() if pace is not None else None)
    assert [(p.start, p.consultants) for p in placed] == expected
    assert np.array_equal(grid_np, np.array(oracle_free))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_capacity_and_hard_constraints_are_never_exceeded_and_each_start_is_the_earliest_fit(
    case: tuple[list[Staff], list[list[float]], list[Demand]],
) -> None:
    staff, free, demands = case
    arrays = staff_compile(staff)
    grid_np = np.array(free, dtype=np.float64)
    placed = schedule(grid_np, arrays, demands)
    assert (grid_np >= -1e-9).all()  # capacity never exceeded
    left = np.array(free, dtype=np.float64)
    for d, p in zip(demands, placed, strict=True):
        if p.start is not None:
            assert p.start >= d.earliest_week
            assert len(set(p.consultants)) == len(d.lines)
            for c, line in zip(p.consultants, d.lines, strict=True):
                assert is_eligible(staff[c], d, line)
                assert bool(eligible(arrays, d, line)[c])
        # no earlier week fits in the capacity left by those ahead (checked by the oracle's own scan)
        probe = [row[:] for row in left.tolist()]
        earliest = schedule_reference(probe, staff, [d])[0][0]
        assert p.start == earliest
        if p.start is not None:
            for c, line in zip(p.consultants, d.lines, strict=True):
                left[c, p.start : p.start + line.weeks] -= line.weekly_hours


def test_an_intensity_above_any_free_week_is_named_as_such() -> None:
    placed = schedule(grid(1, 5, 28.0), staff_compile([PSE]), [Demand(1, (Line("PSE", 32, 2),))])[0]
    assert placed.start is None
    assert placed.binding == (
        "no eligible PSE has 32 h free in any week: lower the weekly intensity of 1 PSE for 32 h/week x 2 weeks"
    )


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(0, 5))
def test_placing_projects_behind_never_moves_a_project_ahead(
    case: tuple[list[Staff], list[list[float]], list[Demand]], k: int
) -> None:
    staff, free, demands = case
    arrays = staff_compile(staff)
    prefix = schedule(np.array(free, dtype=np.float64), arrays, demands[:k])
    full = schedule(np.array(free, dtype=np.float64), arrays, demands)
    assert [(p.start, p.consultants) for p in prefix] == [(p.start, p.consultants) for p in full[:k]]


def test_sampled_schedules_are_those_of_placing_each_samples_closing_deals_in_order() -> None:
    """Same seed, same schedules: every sample's starts equal a plain `schedule` of the committed
    work and that sample's closing deals; the explanation kept is the first sample's."""
    cap, staff, committed, tentative = _tentative_case()
    sampled = forecast_sampled(cap, staff, committed, tentative, samples=50, seed=11)  # type: ignore[arg-type]
    draws = np.random.default_rng(11).random((50, 3)) < np.array([d.probability for d in tentative])
    weeks = cap.shape[1]
    first_binding: dict[int, str] = {}
    for k in range(50):
        closing = [j for j in range(3) if draws[k, j]]
        placed = schedule(cap.copy(), staff, [*committed, *(tentative[j] for j in closing)])  # type: ignore[arg-type]
        for j, p in zip(closing, placed[len(committed) :], strict=True):
            assert sampled.tent_start[k, j] == (weeks if p.start is None else p.start)
            if k == 0 or j not in first_binding:
                first_binding[j] = p.binding
    assert sampled.tent_binding == [first_binding.get(j, "") for j in range(3)]
