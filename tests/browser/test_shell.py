"""The shell in Chromium: every persona lands on My work after logging in (never a bare 403), and
at 390 x 844 nothing is off-screen, the menu button opens the navigation and Log out is reachable."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", ["tom", "cody"])
def test_a_team_member_and_a_consultant_land_on_my_work(page: Any, live_server: Any, login: Any, username: str) -> None:
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.resource_type == "document" else None)
    login(page, username)
    page.wait_for_url(f"{live_server.url}/my-work/")
    assert page.locator("h1").inner_text() == "My work"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").first.inner_text() == "My work"
    assert nav.get_by_role("link", name="Board").count() == 0
    assert all(s < 400 for s in statuses), statuses


@pytest.mark.parametrize("path", ["/my-work/", "/"])
def test_at_390_px_nothing_is_off_screen_and_log_out_is_reachable(
    page: Any, live_server: Any, login: Any, make_engagement: Any, path: str
) -> None:
    make_engagement(title="Acme Corp - Scope Issue and Write SOW")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "erin")
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("main h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    menu = page.get_by_role("button", name="Menu")
    log_out = page.get_by_role("button", name="Log out")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not log_out.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    log_out.wait_for(state="visible")
    box = log_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    log_out.click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_at_desktop_width_the_navigation_shows_without_a_menu_button(page: Any, live_server: Any, login: Any) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, "erin")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Board").is_visible()
