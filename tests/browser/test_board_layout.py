"""The board at any width: at 1440 x 900 every column header is reachable by scrolling the board and
stays in view while the cards scroll under it; at 390 x 844 the board and the card drawer fit the
screen. Columns are shown by display name with the scoped label as secondary text.

At 390 px the page's own width is asserted for everything under <main>: the global header (brand,
navigation, roles, Log out; base.html) is laid out by the site's navigation, not by the board."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.board.columns import COLUMN_NAMES, column_label
from psdesk.board.workflow import BOARD_COLUMNS
from psdesk.engagements.choices import EngagementStatus as S

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_column_header_is_reachable_and_visible_at_1440(
    page: Any, live_server: Any, login: Any, make_account: Any, make_engagement: Any
) -> None:
    acme = make_account("Acme")
    for i in range(12):  # enough cards in Open for the board to scroll vertically
        make_engagement(acme, title=f"Acme {i} - Scope Issue and Write SOW")
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    board = page.locator(".board")
    board_box = board.bounding_box()
    for state in BOARD_COLUMNS:
        header = page.locator(f"#col-{state}")
        header.scroll_into_view_if_needed()
        assert header.is_visible()
        box = header.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1440, state
        assert header.locator(".col-name").inner_text() == COLUMN_NAMES[state]
        if column_label(state):
            assert header.locator(".scoped-label").inner_text() == column_label(state)
    # the headers stay in view (sticky) while the board scrolls down through the cards
    board.evaluate("el => { el.scrollLeft = 0; el.scrollTop = 600; }")
    page.wait_for_function("document.querySelector('.board').scrollTop > 0")
    header_box = page.locator(f"#col-{S.OPEN}").bounding_box()
    assert abs(header_box["y"] - board.bounding_box()["y"]) < 12
    assert board_box["width"] <= 1440


def test_a_column_collapses_to_its_name_and_stays_collapsed(
    page: Any, live_server: Any, login: Any, make_engagement: Any
) -> None:
    make_engagement()
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    page.click(f'.column[data-state="{S.CLOSED_LOST}"] button.collapse')
    page.wait_for_selector(f'.column.collapsed[data-state="{S.CLOSED_LOST}"]')
    assert page.get_attribute(f'.column[data-state="{S.CLOSED_LOST}"] button.collapse', "aria-expanded") == "false"
    page.reload()
    page.wait_for_selector(f'.column.collapsed[data-state="{S.CLOSED_LOST}"]')


def test_the_board_and_the_drawer_fit_a_390_px_phone(
    page: Any, live_server: Any, login: Any, make_engagement: Any
) -> None:
    eng = make_engagement(path=("triage",), title="Northwind Traders - Scope Issue and Write SOW")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    area = page.locator(".board-ui")
    assert area.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert area.bounding_box()["x"] + area.bounding_box()["width"] <= 390
    for state in BOARD_COLUMNS:  # stacked: every column header within the screen's width
        box = page.locator(f"#col-{state}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, state
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 390
    page.click(f"#card-{eng.pk} a.title")
    page.wait_for_selector("#drawer .drawer-body")
    drawer = page.locator("#drawer")
    box = drawer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert drawer.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert "erin moved this from Open to Awaiting Discovery" in page.inner_text("#drawer ol.timeline")
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 390
