"""A fault run of the outbox: real worker processes, real adapters, loopback targets that misbehave.

`fault_run()` enqueues N messages (half Slack chat posts, half Zuora orders), starts worker
processes (`manage.py db_worker --queue-name outbox`) against the same database, SIGKILLs a worker
`kills` times while a call is in flight (restarting it at once), and waits until every message has
reached its target or the deadline passes. The targets, on one `ThreadingHTTPServer` on 127.0.0.1:

* Slack (`/api/chat.postMessage`, `/api/chat.update`) honours no idempotency key: every post is a
  visible message, so a second post of one key is a duplicate;
* Zuora (`/v1/orders`) honours `Idempotency-Key`: a repeated key returns the first order.

Faults, decided per message index so a run is reproducible: every 10th message is answered 500 twice;
every 100th is answered slowly (longer than the lease) once; every 150 requests a target answers 429
with `Retry-After: 1` to everything for one second, and once (at its 300th request) Slack throttles
everything for `storm_seconds`. Every fault is transient, so no message should ever be parked.
Each kill hits the worker whose call is in flight (found through /proc on Linux).

Used by `test_faults_workers.py` (bounded) and `bench/bench_outbox_faults.py` (longer, with figures).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction

from psdesk.notifications.models import OutboxMessage, TargetBudget
from psdesk.notifications.services import outbox_enqueue

ROOT = Path(__file__).resolve().parents[3]
TARGETS = ("chat", "quotes")
WARM_UP = "warm-up:quotes:0"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A killed worker drops its connection mid-answer: expected here, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FaultSink:
    """The loopback Slack + Zuora endpoints with the fault plan of the module docstring."""

    def __init__(self, *, port: int, slow_seconds: float, faults: bool = True, storm_seconds: float = 0) -> None:
        self.slow_seconds = slow_seconds
        self.storm_seconds = storm_seconds
        self.clients: set[int] = set()  # client ports of the calls in flight
        self.faults = faults
        self.lock = threading.RLock()
        self.requests: dict[str, int] = {}  # key -> requests that reached the target
        self.effects: dict[str, list[float]] = {}  # key -> times a visible effect was created
        self.orders: dict[str, str] = {}  # Zuora: Idempotency-Key -> order number
        self.posts: dict[str, str] = {}  # Slack: ts -> key
        self.per_target: dict[str, int] = dict.fromkeys(TARGETS, 0)
        self.throttled_until: dict[str, float] = dict.fromkeys(TARGETS, 0.0)
        self.in_flight = 0
        self.answers: dict[int, int] = {}
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink.lock:
                    sink.in_flight += 1
                    sink.clients.add(self.client_address[1])
                try:
                    status, body, headers = sink.answer(self.path, self.headers, raw)
                finally:
                    with sink.lock:
                        sink.in_flight -= 1
                        sink.clients.discard(self.client_address[1])
                out = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", "Content-Length": str(len(out)), **headers}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", port), Handler)
        self.port = port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        if path.startswith("/api/chat."):
            target = "chat"
            key = str(((body.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        else:
            target, key = "quotes", str(headers.get("Idempotency-Key", ""))
        now = time.time()
        with self.lock:
            self.per_target[target] += 1
            nth = self.requests[key] = self.requests.get(key, 0) + 1
            if self.faults and self.per_target[target] % 150 == 0:
                self.throttled_until[target] = max(self.throttled_until[target], now + 1.0)
            if self.faults and target == "chat" and self.per_target[target] == 300 and self.storm_seconds:
                self.throttled_until[target] = now + self.storm_seconds
            throttled = self.throttled_until[target] > now
        tail = key.rsplit(":", 1)[-1]
        idx = int(tail) if self.faults and tail.isdigit() else -1
        if throttled:
            return self._count(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
        if idx % 10 == 3 and nth <= 2:
            return self._count(500, {"ok": False, "error": "internal_error"}, {})
        if idx % 100 == 17 and nth == 1:
            time.sleep(self.slow_seconds)
        with self.lock:
            if target == "quotes":
                if key not in self.orders:
                    self.orders[key] = f"O-{len(self.orders) + 1}"
                    self.effects.setdefault(key, []).append(time.time())
                return self._count(200, {"success": True, "orderNumber": self.orders[key]}, {})
            if path.endswith("chat.update") and str(body.get("ts", "")) in self.posts:
                return self._count(200, {"ok": True, "channel": "C0FAULT", "ts": body["ts"]}, {})
            ts = f"{1700000000 + len(self.posts)}.{len(self.posts):06d}"
            self.posts[ts] = key
            self.effects.setdefault(key, []).append(time.time())
        return self._count(200, {"ok": True, "channel": "C0FAULT", "ts": ts}, {})

    def _count(
        self, status: int, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.answers[status] = self.answers.get(status, 0) + 1
        return status, body, headers

    def delivered(self) -> int:
        with self.lock:
            return len(self.effects)


@dataclass
class FaultReport:
    messages: int
    kills: int
    lost: int
    duplicated: dict[str, int]
    parked: int
    unfinished: int
    latencies: list[float] = field(default_factory=list)
    answers: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        s = sorted(self.latencies)
        return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")

    def lines(self) -> list[str]:
        return [
            f"messages {self.messages} (chat + zuora), kills {self.kills}, {self.seconds:.1f} s",
            f"lost {self.lost}; duplicated chat {self.duplicated.get('chat', 0)}, "
            f"zuora {self.duplicated.get('quotes', 0)}; parked {self.parked}; unfinished {self.unfinished}",
            f"delivery latency commit -> target P50 {self.percentile(0.5) * 1000:.0f} ms, "
            f"P99 {self.percentile(0.99) * 1000:.0f} ms",
            f"answers by status {dict(sorted(self.answers.items()))}",
        ]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = f"{quote(str(s['USER']), safe='')}:{quote(str(s['PASSWORD']), safe='')}@" if s.get("USER") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _worker(port: int, n: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PSDESK_CHAT_ADAPTER": "slack",
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
        "SLACK_BOT_TOKEN": "xoxb-fault",
        "PSDESK_QUOTES_ADAPTER": "zuora",
        "ZUORA_URL": f"http://127.0.0.1:{port}",
        "ZUORA_TOKEN": "zuora-fault",
    }
    if getattr(settings, "PSDESK_TASKS", "database") == "redis":  # CI's second run (PSDESK_TASKS=redis)
        cmd = [sys.executable, str(ROOT / "manage.py"), "run_redis_tasks", "--continuous", "--queue", "outbox"]
        cmd += ["--interval", "0.05", "--no-graceful-shutdown"]
    else:
        cmd = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--queue-name", "outbox"]
        cmd += ["--interval", "0.05", "--no-startup-delay", "--worker-id", f"fault-{n}"]
    # its log goes to a file, never to a pipe nobody reads (a full pipe blocks the worker in logging)
    log = tempfile.TemporaryFile()  # noqa: SIM115 — lives as long as the worker process object
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def _enqueue(start: int, stop: int) -> None:
    with transaction.atomic():
        for i in range(start, stop):
            if i % 2 == 0:
                outbox_enqueue(
                    target="chat",
                    operation="send",
                    destination="#fault",
                    payload={"channel": "#fault", "text": f"fault {i}"},
                    idempotency_key=f"fault:chat:{i}",
                )
            else:
                outbox_enqueue(
                    target="quotes",
                    operation="quote_push",
                    payload={
                        "ref": f"Q-{i}",
                        "account": "A-1",
                        "currency": "USD",
                        "lines": [{"sku": "PS-1", "quantity": 1, "unit_price": "100.00"}],
                    },
                    idempotency_key=f"fault:quotes:{i}",
                )


def _warm_up(sink: FaultSink, *, deadline: float) -> None:
    """One message through the workers before the clock starts: process start-up is not delivery."""
    outbox_enqueue(
        target="quotes",
        operation="quote_push",
        payload={"ref": "warm-up", "account": "A-1", "currency": "USD", "lines": []},
        idempotency_key=WARM_UP,
    )
    while time.monotonic() < deadline and sink.delivered() < 1:
        time.sleep(0.05)
    with sink.lock:
        sink.effects.pop(WARM_UP, None)
        sink.requests.pop(WARM_UP, None)
    OutboxMessage.objects.filter(idempotency_key=WARM_UP).delete()


def _policies(lease_seconds: float) -> None:
    extra = {"lease_seconds": lease_seconds} if hasattr(TargetBudget, "lease_seconds") else {}
    for target in TARGETS:  # the run measures the worker, not the vendors' budgets
        TargetBudget.objects.update_or_create(
            target=target,
            defaults={"capacity": 1e9, "refill_per_second": 1e9, "tokens": 1e9, **extra},
        )


def _pid_of_client(pids: list[int], client_ports: set[int], server_port: int) -> int | None:
    """Which of `pids` owns a connection from one of `client_ports` to `server_port` (Linux /proc)."""
    inodes: set[str] = set()
    try:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            f = line.split()
            local, remote = int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16)
            if local in client_ports and remote == server_port:
                inodes.add(f"socket:[{f[9]}]")
        for pid in pids:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
    except OSError:
        return None
    return None


def _kill_one(workers: list[subprocess.Popen[bytes]], fallback: int, sink: FaultSink, port: int, n: int) -> None:
    """SIGKILL the worker whose call is in flight (or `fallback` when none is found), restart it."""
    which = fallback
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sink.lock:
            clients = set(sink.clients)
        pid = _pid_of_client([p.pid for p in workers], clients, port) if clients else None
        if pid is not None:
            which = next(i for i, p in enumerate(workers) if p.pid == pid)
            break
        time.sleep(0.002)
    proc = workers[which]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    workers[which] = _worker(port, n)


def fault_run(
    *,
    port: int,
    messages: int = 1000,
    kills: int = 3,
    workers: int = 2,
    lease_seconds: float = 3.0,
    slow_seconds: float = 4.0,
    storm_seconds: float = 10.0,
    deadline_seconds: float = 90.0,
) -> FaultReport:
    """Run the fault scenario of the module docstring; returns what the targets saw. Needs a
    database the worker processes can reach (a file SQLite or PostgreSQL) and committed writes."""
    _policies(lease_seconds)
    sink = FaultSink(port=port, slow_seconds=slow_seconds, storm_seconds=storm_seconds)
    procs: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    try:
        procs = [_worker(port, i) for i in range(workers)]
        _warm_up(sink, deadline=started + deadline_seconds)
        started = time.monotonic()
        thresholds = [round(messages * (k + 1) / (kills + 1)) for k in range(kills)]
        enqueued, killed, chunk = 0, 0, 50
        deadline = started + deadline_seconds
        while time.monotonic() < deadline:
            if enqueued < messages:
                _enqueue(enqueued, min(messages, enqueued + chunk))
                enqueued = min(messages, enqueued + chunk)
            if killed < kills and sink.delivered() >= thresholds[killed]:
                _kill_one(procs, killed % workers, sink, port, workers + killed)
                killed += 1
            if enqueued == messages and killed == kills and sink.delivered() >= messages:
                pending = OutboxMessage.objects.filter(status__in=["queued", "retrying", "delivering"]).count()
                if not pending:
                    break
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sink.stop()
    rows = list(OutboxMessage.objects.values_list("idempotency_key", "status", "committed_at", "target"))
    with sink.lock:
        effects = {k: list(v) for k, v in sink.effects.items()}
        answers = dict(sink.answers)
    duplicated = {t: 0 for t in TARGETS}
    latencies = []
    for key, _status, committed, target in rows:
        times = effects.get(key, [])
        duplicated[target] += max(0, len(times) - 1)
        if times and committed is not None:
            latencies.append(max(0.0, min(times) - committed.timestamp()))
    return FaultReport(
        messages=len(rows),
        kills=killed,
        lost=sum(1 for key, *_ in rows if key not in effects),
        duplicated=duplicated,
        parked=sum(1 for _, status, *_ in rows if status == "parked"),
        unfinished=sum(1 for _, status, *_ in rows if status in ("queued", "retrying", "delivering")),
        latencies=latencies,
        answers=answers,
        seconds=seconds,
    )
