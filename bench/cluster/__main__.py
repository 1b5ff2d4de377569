"""`make bench-cluster`: PS Desk as a small cluster on this machine, under load, losing a web node
and a worker mid-run.

Starts PostgreSQL 15 (its own temp dir, port 15434), migrates and generates data, then two gunicorn
nodes on two ports (2 workers each), two `db_worker` processes (every queue) and two schedulers
(`manage.py ops scheduler`), plus a loopback Slack that records every message it receives. It
measures the login-page floor (locust, anonymous GETs of /accounts/login/ through both nodes),
then drives the board, My work and the API list through both nodes with locust (headless,
bounded in users and seconds) while the outbox receives a steady stream of chat messages; part
way through it SIGKILLs one web node (its whole process group) and one worker. It reports req/s,
P50/P99 and errors for the floor and the run, the outbox's lost and duplicated messages, and the
scheduler's claimed periods (each must be claimed once).

    python -m bench.cluster [--engagements 2000] [--users 8] [--seconds 40] [--messages 400]

Not part of CI. Needs Debian's postgresql (15) and the `locust` package (requirements.lock).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = int(os.environ.get("CLUSTER_PG_PORT", "15434"))


def _free_port(start: int) -> int:
    for port in range(start, start + 500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


def _as_postgres(cmd: str) -> None:
    if os.geteuid() == 0:
        subprocess.run(["su", "postgres", "-c", cmd], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["bash", "-c", cmd], check=True, stdout=subprocess.DEVNULL)


class Postgres:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "pg"
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        _as_postgres(f"{PGBIN}/initdb -D {self.dir}/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N")
        opts = f"-c listen_addresses=127.0.0.1 -p {PG_PORT} -k {self.dir} -c fsync=off -c max_connections=200"
        _as_postgres(f"{PGBIN}/pg_ctl -D {self.dir}/data -l {self.dir}/log -o '{opts}' -w start")
        _as_postgres(
            f"psql -h 127.0.0.1 -p {PG_PORT} -U postgres -qc \"CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB\" "
            "-c 'CREATE DATABASE app OWNER app'"
        )
        self.url = f"postgres://app:app@127.0.0.1:{PG_PORT}/app"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres(f"{PGBIN}/pg_ctl -D {self.dir}/data -m fast -w stop")


class Procs:
    """Every process the run starts, each in its own session so a kill takes its children too."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = p
        return p

    def kill(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop_all(self) -> None:
        for p in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for name, p in self.procs.items():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(name)


def _wait_http(url: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 — a loopback URL we built
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")
        time.sleep(0.2)


def _locust(
    env: dict[str, str], *, scenario: str, nodes: list[str], users: int, seconds: int, csv_prefix: Path
) -> dict[str, float]:
    """Run locust headless and bounded; return the aggregated row of its CSV stats."""
    user_class = "LoginFloorUser" if scenario == "login" else "ClusterUser"
    cmd = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "cluster" / "locustfile.py"), user_class, "--headless"]
    cmd += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "5"]
    cmd += ["--csv", str(csv_prefix), "--only-summary", "--loglevel", "ERROR", "--host", nodes[0]]
    run_env = {**env, "CLUSTER_NODES": ",".join(nodes)}
    log = csv_prefix.with_suffix(".log").open("wb")
    subprocess.run(cmd, cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 120)
    with open(f"{csv_prefix}_stats.csv", newline="") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    agg = rows["Aggregated"]
    return {
        "requests": float(agg["Request Count"]),
        "failures": float(agg["Failure Count"]),
        "rps": float(agg["Requests/s"]),
        "p50": float(agg["50%"]),
        "p99": float(agg["99%"]),
    }


def _producer(n: int, seconds: float, stop: threading.Event) -> list[str]:
    """Enqueue `n` chat messages evenly over `seconds` (in batches of 10), through the outbox service."""
    from django.db import close_old_connections, transaction

    from psdesk.notifications.services import outbox_enqueue

    keys: list[str] = []
    batches = max(1, n // 10)
    for b in range(batches):
        if stop.is_set():
            break
        with transaction.atomic():
            for i in range(b * 10, min(n, b * 10 + 10)):
                key = f"cluster:chat:{i}"
                outbox_enqueue(
                    target="chat",
                    operation="send",
                    destination="#cluster",
                    payload={"channel": "#cluster", "text": f"cluster {i}"},
                    idempotency_key=key,
                )
                keys.append(key)
        stop.wait(seconds / batches)
    close_old_connections()
    return keys


def _worker_in_flight(procs: Procs, sink: Any, sink_port: int) -> tuple[str, bool]:
    """The worker with a call to the loopback Slack in flight (looked for up to 3 s), else worker1."""
    from psdesk.notifications.tests.fault_harness import _pid_of_client

    names = ["worker1", "worker2"]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        with sink.lock:
            clients = set(sink.clients)
        pid = _pid_of_client([procs.procs[n].pid for n in names], clients, sink_port) if clients else None
        if pid is not None:
            return next(n for n in names if procs.procs[n].pid == pid), True
        time.sleep(0.002)
    return "worker1", False


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    ap.add_argument("--engagements", type=int, default=2000)
    ap.add_argument("--users", type=int, default=8, help="locust users (default 8)")
    ap.add_argument("--seconds", type=int, default=40, help="length of the main run (default 40)")
    ap.add_argument("--floor-seconds", type=int, default=15, help="length of the login-page floor run (default 15)")
    ap.add_argument("--messages", type=int, default=400, help="outbox messages sent during the run (default 400)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, locust CSVs)")
    a = ap.parse_args(argv)
    if not (PGBIN / "initdb").exists():
        print(f"bench-cluster needs PostgreSQL 15 ({PGBIN}); Debian: apt-get install postgresql", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="psdesk-cluster-"))
    os.chmod(tmp, 0o755)  # noqa: S103 — the postgres user must reach its data dir inside
    (tmp / "logs").mkdir()
    pg = Postgres(tmp)
    procs = Procs(tmp / "logs")
    sink: Any = None
    try:
        sink_port = _free_port(21386)
        ports = [_free_port(21384), _free_port(21385)]
        if ports[0] == ports[1]:
            ports[1] = _free_port(ports[0] + 1)
        nodes = [f"http://127.0.0.1:{p}" for p in ports]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": pg.url,
            "PSDESK_VAR_DIR": str(tmp / "var"),
            "SECRET_KEY": "bench-cluster-not-a-secret",
            "PSDESK_SITE_URL": nodes[0],
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": ",".join(nodes),
            "PSDESK_LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PSDESK_CHAT_ADAPTER": "slack",
            "SLACK_API_URL": f"http://127.0.0.1:{sink_port}/api/",
            "SLACK_BOT_TOKEN": "xoxb-cluster",
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from psdesk.accounts.services import token_create
        from psdesk.notifications.models import OutboxMessage, TargetBudget
        from psdesk.notifications.tests.fault_harness import FaultSink
        from psdesk.ops.models import JobRun, ScheduledJob
        from psdesk.ops.services import scheduled_jobs_ensure

        t0 = time.monotonic()
        call_command("migrate", "--no-input", verbosity=0)
        call_command(
            "generate",
            "--engagements",
            str(a.engagements),
            "--open",
            str(a.engagements // 5),
            stdout=io.StringIO(),
        )
        from django.contrib.auth.models import User
        from django.test import Client

        erin = User.objects.get(username="erin")
        env["CLUSTER_API_TOKEN"] = token_create(user=erin, name="bench-cluster")
        browser = Client()
        browser.force_login(erin)  # a real database session, good on every node
        env["CLUSTER_SESSION"] = browser.cookies["sessionid"].value
        TargetBudget.objects.update_or_create(
            target="chat", defaults={"capacity": 1e9, "refill_per_second": 1e9, "tokens": 1e9, "lease_seconds": 3.0}
        )
        scheduled_jobs_ensure()
        ScheduledJob.objects.filter(key="sla-sweep").update(interval_seconds=10)  # several periods per run
        ScheduledJob.objects.exclude(key="sla-sweep").update(enabled=False)  # the heavy daily ones stay out
        print(f"set-up: PostgreSQL 15 on {PG_PORT}, {a.engagements} engagements, {time.monotonic() - t0:.0f} s")

        class SlackLike(FaultSink):
            """The loopback Slack, answering in 50 ms as a real one does (so calls are in flight)."""

            def answer(self, path: str, headers: Any, raw: bytes) -> Any:
                time.sleep(0.05)
                return super().answer(path, headers, raw)

        sink = SlackLike(port=sink_port, slow_seconds=0, faults=False)
        gunicorn = [str(BIN / "gunicorn"), "config.wsgi", "--workers", "2", "--log-level", "warning"]
        for i, port in enumerate(ports):
            procs.start(f"web{i + 1}", [*gunicorn, "--bind", f"127.0.0.1:{port}"], env)
        manage = [sys.executable, str(ROOT / "manage.py")]
        for i in (1, 2):
            worker = [*manage, "db_worker", "--no-reload", "--queue-name", "*", "--interval", "0.1"]
            procs.start(f"worker{i}", [*worker, "--no-startup-delay", "--worker-id", f"cluster-{i}"], env)
            procs.start(f"scheduler{i}", [*manage, "ops", "scheduler", "--poll", "1"], env)
        for n in nodes:
            _wait_http(f"{n}/readyz", seconds=90)

        floor = _locust(
            env, scenario="login", nodes=nodes, users=a.users, seconds=a.floor_seconds, csv_prefix=tmp / "floor"
        )

        stop = threading.Event()
        keys: list[str] = []
        producer = threading.Thread(target=lambda: keys.extend(_producer(a.messages, a.seconds * 0.6, stop)))
        run_started = time.monotonic()
        result: dict[str, dict[str, float]] = {}
        runner = threading.Thread(
            target=lambda: result.update(
                app=_locust(env, scenario="app", nodes=nodes, users=a.users, seconds=a.seconds, csv_prefix=tmp / "run")
            )
        )
        runner.start()
        producer.start()
        stop.wait(a.seconds * 0.4)
        procs.kill("web2")
        killed_web_at = time.monotonic() - run_started
        stop.wait(a.seconds * 0.1)
        victim, mid_call = _worker_in_flight(procs, sink, sink_port)
        procs.kill(victim)
        killed_worker_at = time.monotonic() - run_started
        runner.join()
        producer.join()
        drain_deadline = time.monotonic() + 90
        while time.monotonic() < drain_deadline:
            if OutboxMessage.objects.filter(status__in=["queued", "retrying", "delivering"]).count() == 0:
                break
            time.sleep(0.5)
        drained = time.monotonic() - run_started - a.seconds
        with sink.lock:
            effects = {k: len(v) for k, v in sink.effects.items()}
        lost = [k for k in keys if k not in effects]
        duplicated = [k for k in keys if effects.get(k, 0) > 1]
        parked = OutboxMessage.objects.filter(status="parked").count()
        runs = list(JobRun.objects.filter(job_id="sla-sweep").values_list("period_start", "claimed_by"))
        periods = len({p for p, _ in runs})
        holders = len({h for _, h in runs})

        app = result["app"]
        print("bench-cluster: 2 gunicorn nodes x 2 workers, 2 db_workers, 2 schedulers, PostgreSQL 15 (fsync=off)")
        print(f"  locust: {a.users} users, floor {a.floor_seconds} s, run {a.seconds} s")
        print(
            f"  login-page floor   {floor['rps']:7.1f} req/s  P50 {floor['p50']:5.0f} ms  P99 {floor['p99']:5.0f} ms  "
            f"errors {floor['failures']:.0f}/{floor['requests']:.0f}"
        )
        print(
            f"  board/my work/API  {app['rps']:7.1f} req/s  P50 {app['p50']:5.0f} ms  P99 {app['p99']:5.0f} ms  "
            f"errors {app['failures']:.0f}/{app['requests']:.0f}  ({app['rps'] / floor['rps']:.2f}x the floor's req/s)"
        )
        how = "mid-call to Slack" if mid_call else "between calls"
        print(f"  SIGKILLed web node 2 at {killed_web_at:.1f} s and {victim} at {killed_worker_at:.1f} s ({how})")
        print(
            f"  outbox: {len(keys)} messages, lost {len(lost)}, duplicated {len(duplicated)}, parked {parked}; "
            f"drained {max(0.0, drained):.1f} s after the run"
        )
        print(
            f"  scheduler: sla-sweep claimed {len(runs)} times for {periods} periods "
            f"(by {holders} scheduler(s)); duplicates {len(runs) - periods}"
        )
        if a.keep:
            print(f"  logs and CSVs kept in {tmp}")
        return 0
    finally:
        procs.stop_all()
        if sink is not None:
            sink.stop()
        pg.stop()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
