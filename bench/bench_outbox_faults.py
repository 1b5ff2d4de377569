"""Issue 14: the outbox under faults — lost, duplicated and parked messages, delivery latency.

The scenario of `psdesk/notifications/tests/fault_harness.py`, longer than the suite's version:
`PSDESK_BENCH_FAULT_MESSAGES` messages (default 3,000; half Slack posts, half Zuora orders) to
loopback targets answering 500, 429 with Retry-After and slowly (longer than the lease), 2
`db_worker` processes, one SIGKILLed and restarted `PSDESK_BENCH_FAULT_KILLS` times (default 6).
Targets: 0 lost, 0 parked, no duplicate at Zuora (it honours Idempotency-Key), at most one Slack
duplicate per kill. Floor: the same sink answering the Slack adapter directly (1 thread, no DB).
"""

from __future__ import annotations

import os
import time

from bench.common import report, reset_database, section, verdict


def run() -> None:
    from psdesk.integrations.chat.slack import SlackChat
    from psdesk.integrations.tests.conftest import free_port
    from psdesk.notifications.tests.fault_harness import FaultSink, fault_run

    messages = int(os.environ.get("PSDESK_BENCH_FAULT_MESSAGES", "3000"))
    kills = int(os.environ.get("PSDESK_BENCH_FAULT_KILLS", "6"))
    deadline = float(os.environ.get("PSDESK_BENCH_FAULT_DEADLINE", "300"))
    reset_database()

    with section("floor: the Slack adapter posting 200 messages straight to the sink (1 thread, no DB)"):
        port = free_port()
        sink = FaultSink(port=port, slow_seconds=0, faults=False)
        slack = SlackChat(token="xoxb-bench", base_url=f"http://127.0.0.1:{port}/api/")  # noqa: S106 — loopback sink
        t0 = time.perf_counter()
        for i in range(200):
            slack.send(channel="#floor", text="floor", idempotency_key=f"floor:{i}")
        floor_ms = (time.perf_counter() - t0) / 200 * 1000
        sink.stop()
        report("direct post, per message", floor_ms)

    with section(f"faults: {messages} messages, 2 db_worker processes, {kills} SIGKILLs, 500 / 429 / slow targets"):
        r = fault_run(port=free_port(), messages=messages, kills=kills, deadline_seconds=deadline)
        for line in r.lines():
            print(f"   {line}", flush=True)
        report("delivery latency P50", r.percentile(0.5) * 1000, floor_ms=floor_ms)
        report("delivery latency P99", r.percentile(0.99) * 1000, floor_ms=floor_ms)
        ok = (
            r.lost == 0
            and r.parked == 0
            and r.unfinished == 0
            and r.duplicated["quotes"] == 0
            and r.duplicated["chat"] <= r.kills
        )
        verdict(
            "faults: lost + parked + unfinished + Zuora duplicates",
            r.lost + r.parked + r.unfinished + r.duplicated["quotes"],
            target=0,
            floor=None,
            unit="msgs",
            extra=f"Slack duplicates {r.duplicated['chat']} (at most {r.kills}: "
            f"{'OK' if r.duplicated['chat'] <= r.kills else 'MISSED'}); ok overall: {ok}",
        )
