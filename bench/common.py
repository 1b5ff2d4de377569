"""Helpers for benchmark scenarios: timing medians, query counts, and a fresh database.

A scenario is a module `bench/bench_<topic>.py` with `run() -> None` that builds its own data and
prints its figures beside a floor measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def timed(fn: Callable[[], Any], *, repeat: int = 20, warmup: int = 2) -> list[float]:
    """Seconds per call, `repeat` calls after `warmup` discarded calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] * 1000


def count_queries(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@dataclass(frozen=True)
class Verdict:
    """One checked figure: what was measured, its target, the floor beside it and the outcome."""

    scenario: str
    name: str
    value: float
    target: float
    floor: float | None
    unit: str
    higher_is_better: bool

    @property
    def ok(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        op = "≥" if self.higher_is_better else "≤"
        parts = [
            f"{self.name:<52}",
            f"target {op} {self.target:g} {self.unit}",
            f"median {self.value:10.2f} {self.unit}",
        ]
        if self.floor is not None and self.floor > 0:
            ratio = self.floor / self.value if self.higher_is_better and self.value else self.value / self.floor
            parts.append(f"floor {self.floor:9.2f} {self.unit}  ratio {ratio:7.1f}x")
        else:
            parts.append("floor     n/a")
        parts.append("OK" if self.ok else "MISSED")
        return "  ".join(parts)


VERDICTS: list[Verdict] = []  # every verdict printed in this `make bench` run, for the closing summary
_current = {"scenario": ""}


def scenario_begin(name: str) -> None:
    _current["scenario"] = name


def verdict(
    name: str,
    value: float,
    *,
    target: float,
    floor: float | None,
    unit: str = "ms",
    higher_is_better: bool = False,
    extra: str = "",
) -> Verdict:
    """Print one verdict line — target, median (or the figure), the floor measured in the same run,
    the ratio to it and OK/MISSED — and keep it for the summary. A miss never fails the run."""
    v = Verdict(_current["scenario"], name, value, target, floor, unit, higher_is_better)
    VERDICTS.append(v)
    print(v.line() + (f"  {extra}" if extra else ""), flush=True)
    return v


def report(
    name: str, value_ms: float, *, floor_ms: float | None = None, target_ms: float | None = None, extra: str = ""
) -> None:
    """A figure in ms: a verdict line when it has a target, otherwise an information line."""
    if target_ms is not None:
        verdict(name, value_ms, target=target_ms, floor=floor_ms, extra=extra)
        return
    parts = [f"{name:<52} {'':>16}median {value_ms:10.2f} ms"]
    if floor_ms is not None and floor_ms > 0:
        parts.append(f"floor {floor_ms:9.2f} ms  ratio {value_ms / floor_ms:7.1f}x")
    if extra:
        parts.append(extra)
    print("  ".join(parts), flush=True)


def summary() -> str:
    """The closing table of every verdict of the run."""
    lines = ["", "######## summary: every target of this run ########"]
    lines.extend(f"{v.scenario[6:]:<14} {v.line()}" for v in VERDICTS)
    missed = [v for v in VERDICTS if not v.ok]
    lines.append(f"{len(VERDICTS) - len(missed)} OK, {len(missed)} MISSED")
    return "\n".join(lines)


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title} ==", flush=True)
    t0 = time.perf_counter()
    yield
    print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)


def reset_database() -> None:
    """An empty database with every migration applied, including the data migrations that seed
    policies (a plain `flush` would delete those)."""
    from pathlib import Path

    from django.core.management import call_command

    settings_db = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(settings_db["NAME"]) + suffix).unlink(missing_ok=True)
    else:
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", "--no-input", verbosity=0)
