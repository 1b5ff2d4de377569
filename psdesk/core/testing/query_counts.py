"""Query-count baselines (NetBox style): a test names a measured block, and the number of SQL
queries it ran must equal the baseline recorded for that name in the app's
`tests/query_counts.json`. A change that adds a query per row fails the test that lists the rows.

    from psdesk.core.testing.query_counts import assert_expected_query_count

    with assert_expected_query_count("board.index@30"):
        client.get("/")

Refresh the baselines after a deliberate change, then review the JSON diff:

    UPDATE_QUERY_COUNTS=1 .venv/bin/pytest psdesk/board -k query_count

The file sits beside the calling test module (`<app>/tests/query_counts.json`); with
UPDATE_QUERY_COUNTS=1 the measured count is written there under a lock (xdist workers share it).
Measure each list at two data sizes with the same baseline where the list must stay flat in N.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

FILE_NAME = "query_counts.json"


def _baseline_file(depth: int = 3) -> Path:
    frame = inspect.stack(context=0)[depth]
    return Path(frame.filename).resolve().parent / FILE_NAME


def _load(path: Path) -> dict[str, int]:
    return json.loads(path.read_text()) if path.exists() else {}


def _record(path: Path, name: str, count: int) -> None:
    lock = path.with_suffix(".lock")
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        data = _load(path)
        data[name] = count
        path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
        fcntl.flock(fh, fcntl.LOCK_UN)
    lock.unlink(missing_ok=True)


@contextmanager
def assert_expected_query_count(name: str, *, baseline: Path | None = None) -> Iterator[CaptureQueriesContext]:
    """Count the queries the block runs and compare them with the baseline named `name` (in the
    calling test's `query_counts.json`, or `baseline`). Fails with the queries listed when they
    differ or when no baseline is recorded; UPDATE_QUERY_COUNTS=1 records the count instead."""
    path = baseline or _baseline_file()
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    count = len(ctx.captured_queries)
    if os.environ.get("UPDATE_QUERY_COUNTS") == "1":
        _record(path, name, count)
        return
    expected = _load(path).get(name)
    if expected != count:
        listing = "\n".join(f"  {i + 1}. {q['sql'][:300]}" for i, q in enumerate(ctx.captured_queries))
        hint = "no baseline recorded" if expected is None else f"baseline {expected}"
        raise AssertionError(
            f"{name}: {count} queries ({hint} in {path}); run with UPDATE_QUERY_COUNTS=1 after a deliberate "
            f"change.\n{listing}"
        )


def query_count(fn: Callable[[], object]) -> int:
    """The number of SQL queries `fn()` runs."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


class FlatBaselines:
    """Several lists measured at growing data sizes, each held to one baseline (flat in N).

        counts = FlatBaselines(__file__)
        for n in (3, 15):
            build_rows_up_to(n)
            counts.measure("crm.accounts", web.get, "/crm/accounts/", f"Account {n - 1}")
        counts.check()

    `measure` runs the request once uncounted the first time a name is seen (it warms per-process
    caches), then counts its queries; `check` fails when a name's count differs between sizes (it
    grows with N: an N+1) or from the baseline in the `query_counts.json` beside `test_file`.
    With UPDATE_QUERY_COUNTS=1 it records the counts instead — but still refuses one that grows."""

    def __init__(self, test_file: str) -> None:
        self.path = Path(test_file).resolve().parent / FILE_NAME
        self.counts: dict[str, list[tuple[int, int]]] = {}
        self.queries: dict[str, list[str]] = {}
        self.size = 0

    def at(self, size: int) -> None:
        """Later measurements are taken with `size` rows."""
        self.size = size

    def measure(self, name: str, get: Callable[..., Any], path: str, *contains: str, **params: Any) -> Any:
        """Count the queries of `get(path, **params)` (a test client's or an API client's get),
        which must answer 200 and show each of `contains`; returns the response."""
        if name not in self.counts:
            ok(_read(get(path, **params)), *contains)
            self.counts[name] = []
        with CaptureQueriesContext(connection) as ctx:
            response = _read(get(path, **params))  # a streamed body runs its queries while it is read
        ok(response, *contains)
        self.counts[name].append((self.size, len(ctx.captured_queries)))
        self.queries[name] = [q["sql"] for q in ctx.captured_queries]
        return response

    def check(self) -> None:
        grows = {n: c for n, c in self.counts.items() if len({q for _, q in c}) > 1}
        if grows:
            lines = ", ".join(f"{n}: " + " → ".join(f"{q} at {s}" for s, q in c) for n, c in grows.items())
            sql = "\n".join(f"  {q[:200]}" for n in grows for q in self.queries[n])
            raise AssertionError(f"query count grows with the number of rows (an N+1): {lines}\n{sql}")
        measured = {n: c[0][1] for n, c in self.counts.items()}
        if os.environ.get("UPDATE_QUERY_COUNTS") == "1":
            for n, q in measured.items():
                _record(self.path, n, q)
            return
        recorded = _load(self.path)
        wrong = {n: (q, recorded.get(n)) for n, q in measured.items() if recorded.get(n) != q}
        if wrong:
            lines = ", ".join(f"{n}: {q} (baseline {b})" for n, (q, b) in wrong.items())
            raise AssertionError(
                f"query counts differ from {self.path}: {lines}; run with UPDATE_QUERY_COUNTS=1 after a "
                "deliberate change and review the diff"
            )


def all_baselines(root: Path) -> dict[str, int]:
    """Every baseline recorded under `root` (the psdesk package): name → count."""
    out: dict[str, int] = {}
    for path in sorted(root.glob(f"*/tests/{FILE_NAME}")):
        out.update(_load(path))
    return out


SIZES = (3, 15)
"""The two data sizes every list is measured at."""


def _read(response: Any) -> Any:
    if getattr(response, "streaming", False):
        response.body = b"".join(response.streaming_content)
    return response


def ok(response: Any, *contains: str) -> Any:
    """`response` after checking it is a 200 that mentions each of `contains` (the rows measured)."""
    if response.status_code != 200:
        raise AssertionError(f"{response.status_code}: {getattr(response, 'content', b'')[:300]!r}")
    body = (response.body if getattr(response, "streaming", False) else response.content).decode() if contains else ""
    missing = [c for c in contains if c not in body]
    if missing:
        raise AssertionError(f"the list does not show {missing}")
    return response
