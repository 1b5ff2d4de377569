"""Helpers for benchmark scenarios: timing medians, query counts, and a fresh database.

A scenario is a module `bench/bench_<topic>.py` with `run() -> None` that builds its own data and
prints its figures beside a floor measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def report(
    name: str, value_ms: float, *, floor_ms: float | None = None, target_ms: float | None = None, extra: str = ""
) -> None:
    parts = [f"{name:<48} {value_ms:9.2f} ms"]
    if floor_ms is not None and floor_ms > 0:
        parts.append(f"floor {floor_ms:8.2f} ms  ratio {value_ms / floor_ms:6.1f}x")
    if target_ms is not None:
        parts.append(f"target ≤ {target_ms:g} ms  {'OK' if value_ms <= target_ms else 'MISSED'}")
    if extra:
        parts.append(extra)
    print("  ".join(parts), flush=True)


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
