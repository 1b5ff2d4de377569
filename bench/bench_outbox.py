"""Issue 11 / 16: outbox delivery to a loopback HTTP sink with 2 workers.

Two real `manage.py db_worker` processes (queue `outbox`, the poll interval docs/deploy.md gives)
deliver through the real Slack adapter (slack_sdk) to a Slack-compatible sink on 127.0.0.1 that runs
in its own asyncio process (`bench/outbox_sink.py`), so the receiver shares no interpreter lock with
the bench committing messages. Figures:
  * throughput: N messages committed while the workers are stopped, then drained by 2 workers
    (messages/s from the first to the last receipt; target >= 200/s);
  * idle CPU: both workers' CPU time over a few seconds with nothing to do, once the delivery
    task's linger has passed (target <= 2 % of a core: an idle worker must not spin);
  * latency: one message per transaction at 200/s (the target rate, paced on a fixed schedule),
    after 100 warm-up messages at that rate (the first of which reports the wait after idle);
    commit (on_commit timestamp) to receipt at the sink, median and P99 — only when every message
    arrived (otherwise the verdict says how many did not) — and where the time goes (commit to the
    call's start, the call's start to receipt);
  * floor: the same sink fed directly by the adapter from one thread, no database, no queue.
Also checks that no message arrived twice. The workers' output goes to files (read at the end),
never to an unread pipe that would block them once full.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from bench.common import median_ms, p, report, reset_database, section, verdict
from bench.outbox_sink import SinkProcess

N_THROUGHPUT = 2000
N_LATENCY = 300
RATE_PER_S = 200  # the target rate: latency is measured while the workers keep up with it
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    for port in range(23100, 32000, 7):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


LOGS: list[Any] = []
# The worker command docs/deploy.md gives, with its task-queue poll interval: a faster one would
# make the bench faster by making every idle worker poll (and, on SQLite, lock) more often.
WORKER_INTERVAL = 1.0
IDLE_CPU_SECONDS = 3.0


def _workers(n: int, sink: SinkProcess) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PSDESK_CHAT_ADAPTER": "slack",
        "SLACK_API_URL": f"http://127.0.0.1:{sink.port}/api/",
        "SLACK_BOT_TOKEN": "xoxb-bench",
    }
    cmd = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--queue-name", "outbox"]
    cmd += ["--interval", str(WORKER_INTERVAL)]
    procs = []
    for _ in range(n):
        log = tempfile.TemporaryFile()  # noqa: SIM115 — closed in run()'s finally
        LOGS.append(log)
        procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
    return procs


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _enqueue(key: str) -> None:
    from psdesk.notifications.services import outbox_enqueue

    with transaction.atomic():
        outbox_enqueue(
            target="chat",
            operation="send",
            destination="#bench",
            payload={"channel": "#bench", "text": f"bench {key}"},
            idempotency_key=key,
        )


def _wait(sink: SinkProcess, prefix: str, n: int, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sink.count(prefix) >= n:
            return True
        time.sleep(0.05)
    return False


def _paced(prefix: str, n: int, rate: float) -> float:
    """Commit `n` messages, one per transaction, on a fixed schedule at `rate`; the rate achieved."""
    start = time.perf_counter()
    for i in range(n):
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        _enqueue(f"{prefix}{i}")
    return (n - 1) / max(time.perf_counter() - start, 1e-9)


def run() -> None:
    from django.conf import settings

    from psdesk.integrations.chat.slack import SlackChat
    from psdesk.notifications.models import OutboxMessage, TargetBudget

    reset_database()
    # The bench measures the worker, not Slack's policy: lift the chat budget (a DB policy row).
    TargetBudget.objects.create(target="chat", capacity=1e9, refill_per_second=1e9, tokens=1e9)
    sink = SinkProcess(_free_port(), ROOT)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with section(f"floor: the adapter posting {500} messages straight to the sink (1 thread, no DB)"):
            slack = SlackChat(token="xoxb-bench", base_url=f"http://127.0.0.1:{sink.port}/api/")  # noqa: S106 — loopback sink
            t0 = time.perf_counter()
            for i in range(500):
                slack.send(channel="#bench", text="floor", idempotency_key=f"floor:{i}")
            floor_s = (time.perf_counter() - t0) / 500
            report("direct post, per message", floor_s * 1000, extra=f"= {1 / floor_s:,.0f} msg/s")

        with section(f"throughput: {N_THROUGHPUT} committed messages drained by 2 db_worker processes"):
            t0 = time.perf_counter()
            for i in range(N_THROUGHPUT):
                _enqueue(f"tp:{i}")
            print(f"   committed {N_THROUGHPUT} in {time.perf_counter() - t0:.1f} s", flush=True)
            started = time.time()
            procs = _workers(2, sink)
            ok = _wait(sink, "tp:", N_THROUGHPUT, timeout=180)
            times = sorted(t for k, ts in sink.received().items() if k.startswith("tp:") for t in ts)
            span = times[-1] - times[0] if len(times) > 1 else float("nan")
            rate = (len(times) - 1) / span if span and span > 0 else 0.0
            verdict(
                "throughput, 2 workers (first to last receipt)",
                rate if ok else 0.0,
                target=200,
                floor=1 / floor_s,
                unit="msg/s",
                higher_is_better=True,
                extra="" if ok else f"only {len(times)}/{N_THROUGHPUT} delivered in 180 s",
            )
            print(
                f"   all delivered: {ok}; first receipt {times[0] - started:.1f} s after starting the workers"
                f" (process start-up), last {times[-1] - started:.1f} s",
                flush=True,
            )

        linger = float(settings.PSDESK_OUTBOX_LINGER_SECONDS)
        with section(
            f"idle: both workers with nothing to do for {IDLE_CPU_SECONDS:.0f} s (after the {linger:g} s linger)"
        ):
            time.sleep(linger + 0.5)
            before = [_cpu_seconds(proc.pid) for proc in procs]
            time.sleep(IDLE_CPU_SECONDS)
            idle = max(
                (_cpu_seconds(proc.pid) - b) / IDLE_CPU_SECONDS * 100 for proc, b in zip(procs, before, strict=True)
            )
            verdict("idle worker CPU (busiest of 2, % of one core)", idle, target=2, floor=None, unit="%")

        with section(f"latency: {N_LATENCY} messages at {RATE_PER_S}/s, one per transaction, commit -> receipt"):
            # From idle: the first message waits for a worker's next poll of the task queue (at most
            # WORKER_INTERVAL); then the running task's claim loop picks each commit up. 100 messages
            # of warm-up at the same rate come first so the figure is the steady state at 200/s.
            warm = _paced("warm:", 100, RATE_PER_S)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            workers0 = [_cpu_seconds(proc.pid) for proc in procs]
            offered = _paced("lat:", N_LATENCY, RATE_PER_S)
            wall = time.perf_counter() - wall0
            producer = (time.process_time() - cpu0) / wall * 100
            busy = [(_cpu_seconds(proc.pid) - c) / wall * 100 for proc, c in zip(procs, workers0, strict=True)]
            arrived = _wait(sink, "lat:", N_LATENCY, timeout=60)
            rows = OutboxMessage.objects.filter(idempotency_key__regex=r"^(lat|warm):").values_list(
                "idempotency_key", "committed_at", "call_started_at"
            )
            committed = {k: c.timestamp() for k, c, _ in rows if c is not None}
            started_at = {k: s.timestamp() for k, _, s in rows if s is not None}
            received = sink.received()
            lat = [ts[0] - committed[k] for k, ts in received.items() if k.startswith("lat:") and k in committed]
            print(f"   offered {offered:,.0f} msg/s (warm-up {warm:,.0f}); received {len(lat)}/{N_LATENCY}", flush=True)
            print(
                f"   CPU while offering (% of one core): the committing bench {producer:.0f}, workers "
                + " / ".join(f"{b:.0f}" for b in busy),
                flush=True,
            )
            first = received.get("warm:0", [0.0])[0] - committed.get("warm:0", 0.0)
            print(
                f"   first message after idle: {first * 1000:.0f} ms (waits for a worker's poll of the task"
                f" queue, every {WORKER_INTERVAL:g} s)",
                flush=True,
            )
            waits = [started_at[k] - committed[k] for k in committed if k.startswith("lat:") and k in started_at]
            calls = [ts[0] - started_at[k] for k, ts in received.items() if k.startswith("lat:") and k in started_at]
            if waits and calls:
                print(
                    f"   where it goes: commit -> call start median {median_ms(waits):.1f} ms"
                    f" (P99 {p(waits, 0.99):.0f}), call start -> receipt median {median_ms(calls):.1f} ms"
                    f" (P99 {p(calls, 0.99):.0f})",
                    flush=True,
                )
            if arrived and lat:
                note = f"offered {offered:,.0f} msg/s"
                verdict(
                    "commit -> receipt median at 200/s", median_ms(lat), target=100, floor=floor_s * 1000, extra=note
                )
                verdict("commit -> receipt P99 at 200/s", p(lat, 0.99), target=1000, floor=floor_s * 1000, extra=note)
            else:
                missing = N_LATENCY - len(lat)
                verdict(
                    "messages not delivered within 60 s at 200/s",
                    missing,
                    target=0,
                    floor=None,
                    unit="msgs",
                    extra="no latency figure: it would describe only the messages that arrived",
                )

        dups = {k: len(v) for k, v in sink.received().items() if len(v) > 1}
        sent = OutboxMessage.objects.filter(status="sent").count()
        print(
            f"\n   duplicates at the sink: {len(dups)}; outbox rows sent: {sent}/"
            f"{OutboxMessage.objects.count()}; at {datetime.now(UTC):%H:%M:%S} UTC",
            flush=True,
        )
    finally:
        _stop(procs)
        for log in LOGS:
            log.seek(0)
            err = log.read().decode(errors="replace")[-2000:]
            log.close()
            if "Traceback" in err:
                print("   worker output:", err)
        LOGS.clear()
        sink.stop()
