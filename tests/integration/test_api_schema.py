"""schemathesis against the live API, with every check, as a person holding every role and as the
outsider olga: no server error, no response outside its documented schema or status codes, no
schema-violating request accepted, no header or content-type mismatch.

Bounded so it fits the suite on a busy 2-core machine: derandomised generation, a fixed number of
examples per operation, the coverage and fuzzing phases as every role and fuzzing as olga (the
stateful phase chains requests and multiplies the time), one worker, and a wall-clock budget per
run. Measured on a busy 2-core machine with 183 operations: about 4 minutes as every role (8 examples per operation)
and under 1 as olga (4). The settings
schemathesis reads (the statuses a schema-valid request may still get) are in schemathesis.toml.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.servers.basehttp import ThreadedWSGIServer

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_base = int(os.environ.get("PSDESK_LIVE_SERVER_PORT", "21080"))
os.environ.setdefault(
    "DJANGO_LIVE_TEST_SERVER_ADDRESS", f"127.0.0.1:{_base + (int(_worker) if _worker.isdigit() else 0)}"
)

pytestmark = [pytest.mark.api_fuzz, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# (examples per operation, phases). The outsider is refused almost everywhere, so the coverage
# phase's boundary values add little for olga beyond the fuzzing phase.
RUNS = {"every role": (8, "coverage,fuzzing"), "olga": (4, "fuzzing")}
BUDGET_SECONDS = 900  # per run: a guard against a hang, far above the measured time (~4 min busy)


@pytest.fixture
def _no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server sends headers and body in separate writes; with Nagle's algorithm and the
    client's delayed ACK each response waits ~40 ms. TCP_NODELAY on accepted sockets removes that."""
    accept = ThreadedWSGIServer.get_request

    def get_request(self: ThreadedWSGIServer) -> Any:
        sock, addr = accept(self)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    monkeypatch.setattr(ThreadedWSGIServer, "get_request", get_request)


@pytest.fixture
def demo_data(people: Any) -> Any:
    """The demo organisation (accounts, opportunities, engagements along the board, quotes, SOWs,
    projects, sessions) so that generated requests reach real objects, plus a user with every role."""
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    from django.contrib.auth import get_user_model

    everyone, _ = get_user_model().objects.get_or_create(username="max", defaults={"email": "max@psdesk.example"})
    everyone.groups.set(Group.objects.all())
    people["max"] = everyone
    return people


def _run(url: str, token: str, examples: int, phases: str) -> tuple[int, str]:
    cmd = [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{url}/api/v1/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--phases",
        phases,
        "--generation-deterministic",
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUDGET_SECONDS, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("who", list(RUNS))
@pytest.mark.usefixtures("_no_delay")
def test_the_api_honours_its_openapi_document(live_server: Any, demo_data: Any, who: str) -> None:
    from psdesk.accounts.services import token_create

    user = demo_data["max"] if who == "every role" else demo_data["olga"]
    code, output = _run(live_server.url, token_create(user=user), *RUNS[who])
    summary = output[output.find("=== SUMMARY") :] if "=== SUMMARY" in output else output[-4000:]
    assert code == 0, output[-12000:]
    assert "Server error" not in summary and "violates schema" not in summary, summary
