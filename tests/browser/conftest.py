"""Browser tests: a real Chromium (Debian package) driven by Playwright against live_server.

They skip only when /usr/bin/chromium is absent (printed reason); CI installs it, so there they run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The live server binds 127.0.0.1 on a port below the ephemeral range, one per xdist worker.
# (Assigned, not defaulted: an xdist controller imports this too and its workers inherit its env.)
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_base = int(os.environ.get("PSDESK_LIVE_SERVER_PORT", "21080"))
os.environ["DJANGO_LIVE_TEST_SERVER_ADDRESS"] = f"127.0.0.1:{_base + (int(_worker) if _worker.isdigit() else 0)}"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run browser tests but Chromium is missing at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture
def login(live_server: Any, people: Any) -> Callable[[Any, str], None]:
    """`login(page, "erin")`: log in through the real login form."""

    def do(page: Any, username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-" + username)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/**")

    return do
