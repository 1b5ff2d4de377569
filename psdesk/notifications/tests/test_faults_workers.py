"""The outbox under faults, end to end: real `db_worker` processes, real Slack and Zuora adapters,
loopback targets answering 500, 429 with Retry-After and slower than the lease, and a worker
SIGKILLed three times and restarted (the scenario of `fault_harness.py`; the longer version with
figures is `python -m bench outbox_faults`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from psdesk.integrations.tests.conftest import free_port
from psdesk.notifications.tests.fault_harness import fault_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_messages_survive_500s_429s_slow_targets_and_three_killed_workers(settings: Any) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:"):
        pytest.skip("worker processes need a database file or server they can reach")
    # Every fault is transient: nothing may be lost or parked. Zuora honours Idempotency-Key, so it
    # never sees a duplicate; Slack (no key) may see one post twice per kill at most: the post in
    # flight when its worker died. The deadline only bounds a broken run; it is not a target.
    # 1,000 messages (about 60 s on a loaded 2-core machine); `python -m bench outbox_faults` runs
    # 3,000 with 6 kills.
    r = fault_run(
        port=free_port(), messages=1000, kills=3, lease_seconds=3, slow_seconds=4, storm_seconds=5, deadline_seconds=400
    )
    summary = "\n".join(r.lines())
    assert r.kills == 3, summary
    assert (r.lost, r.parked, r.unfinished) == (0, 0, 0), summary
    assert r.duplicated["quotes"] == 0, summary
    assert r.duplicated["chat"] <= r.kills, summary
    assert {500, 429} <= set(r.answers), summary  # the faults did happen
