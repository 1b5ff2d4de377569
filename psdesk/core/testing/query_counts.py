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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
