"""Issue 16: the sampled forecast processes each tentative deal once across all samples. Same seed,
same result as placing every sample in turn (`forecast_sampled_per_sample`, the path before): the
starts per sample (hence P50/P80 per project), the consultants, the allocations the what-if replays,
and the explanation kept (the first sample the deal closed in)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psdesk.scheduling import forecast
from psdesk.scheduling.forecast import (
    Demand,
    Line,
    Sampled,
    Staff,
    StaffArrays,
    forecast_sampled,
    pace_from_share,
    staff_compile,
    whatif_from_samples,
)
from psdesk.scheduling.forecast_reference import forecast_sampled_per_sample

ROLES = ["PSE", "PM", "TA"]
SKILLS = ["geo", "ci", "k8s"]
REGIONS = ["AMER", "EMEA"]


def population(
    seed: int,
    *,
    consultants: int,
    weeks: int,
    committed: int,
    tentative: int,
    pace: bool = False,
    long_lines: bool = False,
) -> tuple[np.ndarray, StaffArrays, list[Demand], list[Demand]]:
    """A random team and queue: skills, PubSec clearance, regions, desired start windows, projects
    with two lines of the same role (they compete for the same consultants), lines longer than
    eight weeks when asked, intensities nobody can take, a skill nobody has, holiday pace."""
    rnd = random.Random(seed)
    staff = [
        Staff(
            i,
            rnd.choice(ROLES),
            rnd.choice(REGIONS),
            rnd.random() < 0.3,
            tuple((k, rnd.randint(1, 4)) for k in SKILLS if rnd.random() < 0.6),
        )
        for i in range(consultants)
    ]
    arrays = staff_compile(staff, extra_skills=["cobol"])
    cap = np.array([[rnd.choice([0.0, 20.0, 28.0, 40.0, 40.0]) for _ in range(weeks)] for _ in range(consultants)])
    if pace:
        share = np.array([[rnd.choice([1.0, 1.0, 0.8, 0.6, 0.4]) for _ in range(weeks)] for _ in range(consultants)])
        arrays.pace = pace_from_share(share)
        cap *= share

    def demands(count: int, key0: int, probability: bool) -> list[Demand]:
        out = []
        for i in range(count):
            lines = []
            for _ in range(rnd.randint(1, 3)):
                longest = 12 if long_lines else 5
                skills = ((rnd.choice([*SKILLS, "cobol"] if rnd.random() < 0.05 else SKILLS), rnd.randint(1, 3)),)
                lines.append(
                    Line(
                        rnd.choice(ROLES),  # repeats: two PSE lines share the PSEs
                        rnd.choice([4.0, 8.0, 16.0, 20.0, 45.0 if rnd.random() < 0.05 else 12.0]),
                        rnd.randint(1, longest),
                        skills if rnd.random() < 0.5 else (),
                    )
                )
            out.append(
                Demand(
                    key0 + i,
                    tuple(lines) if rnd.random() > 0.03 else (),
                    earliest_week=rnd.choice([0, 0, 1, 3]),
                    cleared_only=rnd.random() < 0.15,
                    regions=rnd.choice([(), (), ("AMER",), ("EMEA",)]),
                    probability=rnd.choice([0.3, 0.5, 0.8]) if probability else 1.0,
                )
            )
        return out

    return cap, arrays, demands(committed, 0, False), demands(tentative, 1000, True)


def assert_same(vectorised: Sampled, per_sample: Sampled) -> None:
    assert [(p.start, p.consultants, p.binding) for p in vectorised.committed] == [
        (p.start, p.consultants, p.binding) for p in per_sample.committed
    ]
    assert np.array_equal(vectorised.base_free, per_sample.base_free)
    assert np.array_equal(vectorised.tent_start, per_sample.tent_start)
    for j in range(vectorised.tent_start.shape[1]):  # P50/P80 per project
        assert vectorised.tentative_percentiles(j) == per_sample.tentative_percentiles(j)
    assert vectorised.tent_binding == per_sample.tent_binding  # the first sample's "why it waits"
    assert vectorised.tent_consultants == per_sample.tent_consultants
    assert np.array_equal(vectorised.allocs, per_sample.allocs)  # what the what-if replays


SIZES = {
    "small": {"consultants": 12, "weeks": 16, "committed": 10, "tentative": 12},
    "medium": {"consultants": 30, "weeks": 30, "committed": 30, "tentative": 25},
    "pace": {"consultants": 25, "weeks": 26, "committed": 20, "tentative": 20, "pace": True},
    "long lines": {"consultants": 20, "weeks": 40, "committed": 12, "tentative": 15, "long_lines": True},
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_the_vectorised_sampled_run_equals_placing_each_sample_in_turn(size: str, seed: int) -> None:
    cap, staff, committed, tentative = population(seed, **SIZES[size])  # type: ignore[arg-type]
    a = forecast_sampled(cap, staff, committed, tentative, samples=40, seed=seed)
    b = forecast_sampled_per_sample(cap, staff, committed, tentative, samples=40, seed=seed)
    assert_same(a, b)
    assert (a.tent_start >= 0).sum() > 0 and (a.tent_start == cap.shape[1]).sum() > 0  # both kinds occur


def test_samples_beyond_the_memory_budget_run_in_chunks_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    cap, staff, committed, tentative = population(9, **SIZES["medium"])  # type: ignore[arg-type]
    monkeypatch.setattr(forecast, "SAMPLE_MEMORY", cap.size * 8 * 7)  # 7 samples at a time
    steps: list[int] = []
    a = forecast_sampled(cap, staff, committed, tentative, samples=40, seed=9, progress=steps.append)
    assert_same(a, forecast_sampled_per_sample(cap, staff, committed, tentative, samples=40, seed=9))
    assert sum(steps) == len(committed) + 40


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 30), st.booleans())
def test_any_population_gives_the_same_samples_both_ways(seed: int, samples: int, pace: bool) -> None:
    cap, staff, committed, tentative = population(seed, consultants=8, weeks=12, committed=5, tentative=8, pace=pace)
    a = forecast_sampled(cap, staff, committed, tentative, samples=samples, seed=seed)
    b = forecast_sampled_per_sample(cap, staff, committed, tentative, samples=samples, seed=seed)
    assert_same(a, b)


def test_the_explanation_is_built_once_per_deal_for_the_sample_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    cap, staff, _committed, tentative = population(3, **SIZES["medium"])  # type: ignore[arg-type]
    calls: list[Any] = []
    original = forecast._binding

    def counting(*args: Any) -> tuple[str, int | None]:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(forecast, "_binding", counting)
    sampled = forecast_sampled(cap, staff, [], tentative, samples=40, seed=3)  # only the sampling words
    placed_somewhere = sum(1 for j in range(len(tentative)) if (sampled.tent_start[:, j] >= 0).any())
    # at most one text per deal that closed in a sample (those beyond the horizon are worded by
    # `place` itself), however many samples it closed in
    assert 0 < len(calls) <= placed_somewhere < int((sampled.tent_start >= 0).sum())


def test_progress_counts_every_committed_project_and_every_sample_once() -> None:
    cap, staff, committed, tentative = population(5, **SIZES["small"])  # type: ignore[arg-type]
    steps: list[int] = []
    forecast_sampled(cap, staff, committed, tentative, samples=33, seed=5, progress=steps.append)
    assert sum(steps) == len(committed) + 33
    steps.clear()
    forecast_sampled(cap, staff, committed, [], samples=33, seed=5, progress=steps.append)
    assert sum(steps) == len(committed) + 33


def test_the_whatif_replays_the_vectorised_samples_like_the_per_sample_ones() -> None:
    cap, staff, committed, tentative = population(11, **SIZES["pace"])  # type: ignore[arg-type]
    a = forecast_sampled(cap, staff, committed, tentative, samples=30, seed=11)
    b = forecast_sampled_per_sample(cap, staff, committed, tentative, samples=30, seed=11)
    hypo = Demand(-1, (Line("PSE", 8.0, 3), Line("PM", 4.0, 3)))
    for ahead in (0, 10, len(tentative)):
        assert whatif_from_samples(a, staff, hypo, ahead=ahead) == whatif_from_samples(b, staff, hypo, ahead=ahead)
