"""In Chromium: the login form locks a username after repeated wrong passwords and says so; and the
pages work under the Content-Security-Policy (no violation reported while the drawer opens and
closes and a filter submits itself)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_repeated_wrong_passwords_lock_the_login_with_a_clear_message(page: Any, live_server: Any, people: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "erin")
        page.fill("#id_password", "not-her-password")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")
    assert "Too many failed logins" in page.locator("#locked-out").inner_text()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", "pw-erin")
    page.click("button[type=submit]")
    page.wait_for_selector("#locked-out")
    assert page.url.endswith("/accounts/login/")


def test_the_board_drawer_and_a_filter_work_under_the_csp(
    page: Any, live_server: Any, login: Any, people: Any, make_engagement: Any
) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    eng = make_engagement(title="Acme - Scope Issue and Write SOW")
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    page.click(f"#card-{eng.pk} a.title")
    page.wait_for_selector("#drawer [data-drawer-close]")
    page.click("#drawer [data-drawer-close]")
    page.wait_for_function("document.getElementById('drawer').innerHTML === ''")
    page.context.clear_cookies()
    login(page, "paula")
    page.goto(f"{live_server.url}/projects/")
    page.select_option("select[name=status]", index=1)
    page.wait_for_url("**/projects/?status=*")
    assert violations == []
