"""Exports: the board (with its filters), the queue, the estimates (margin for roles that see cost)
and the projects as CSV and XLSX, from the page and the API; PubSec rows only for members; the
outsider gets 403; cells a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def cards(frozen_clock: Any, make_account: Any, make_engagement: Any) -> dict[str, Any]:
    from psdesk.estimates.testing import estimate_seed_agreed

    acme, fed = make_account("Acme Corp"), make_account("Federal Agency", pubsec=True)
    out = {
        "acme": make_engagement(acme, title="Acme - Scope Issue and Write SOW"),
        "formula": make_engagement(make_account("=HYPERLINK(1)"), title="Formula - Scope"),
        "fed": make_engagement(fed, em="pat", title="Federal - Scope Issue and Write SOW"),
    }
    for eng in out.values():
        estimate_seed_agreed(eng)
    return out


def test_the_board_export_streams_visible_cards_with_the_board_filters(api: Any, cards: dict[str, Any]) -> None:
    r = api("erin").get("/api/v1/exports/board")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert 'filename="psdesk-board-2026-11-27.csv"' in r["Content-Disposition"]
    rows = _csv(r)
    assert rows[0][:4] == ["Id", "Engagement", "Customer", "Column"]
    titles = [row[1] for row in rows[1:]]
    assert "Acme - Scope Issue and Write SOW" in titles and "Federal - Scope Issue and Write SOW" not in titles
    filtered = _csv(api("erin").get("/api/v1/exports/board", q="acme"))
    assert [row[1] for row in filtered[1:]] == ["Acme - Scope Issue and Write SOW"]
    assert "'=HYPERLINK(1)" in [row[2] for row in rows[1:]]  # text, not a formula


def test_a_pubsec_member_exports_pubsec_cards(api: Any, cards: dict[str, Any]) -> None:
    titles = [row[1] for row in _csv(api("pat").get("/api/v1/exports/board"))[1:]]
    assert "Federal - Scope Issue and Write SOW" in titles


def test_the_estimates_export_shows_margin_only_to_roles_that_see_cost(api: Any, cards: dict[str, Any]) -> None:
    leo = _csv(api("leo").get("/api/v1/exports/estimates"))
    assert "Margin %" in leo[0]
    acme = next(row for row in leo if row[1] == "Acme - Scope Issue and Write SOW")
    assert acme[leo[0].index("Margin %")] == "40.0"
    assert acme[leo[0].index("Price")] == "33000.00"
    alice = _csv(api("alice").get("/api/v1/exports/estimates"))
    assert "Margin %" not in alice[0] and "Cost" not in alice[0]
    ops = _csv(api("oscar").get("/api/v1/exports/estimates"))  # PS Ops sees the estimates and their margin
    assert "Margin %" in ops[0] and len(ops) == len(leo)


def test_xlsx_exports_open_as_workbooks_from_the_page(client: Any, people: Any, cards: dict[str, Any]) -> None:
    client.force_login(people.leo)
    r = client.get("/exports/estimates.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Engagement id", "Engagement", "Customer")
    assert {r[1] for r in rows[1:]} == {"Acme - Scope Issue and Write SOW", "Formula - Scope"}


def test_queue_and_projects_export_and_refuse_a_bad_status(
    api: Any, client: Any, people: Any, cards: dict[str, Any]
) -> None:
    assert _csv(api("paula").get("/api/v1/exports/queue"))[0][:3] == ["#", "Project", "Customer"]
    assert _csv(api("paula").get("/api/v1/exports/projects"))[0][:3] == ["Id", "Project", "Customer"]
    r = api("paula").get("/api/v1/exports/projects", status="nonsense")
    assert r.status_code == 422 and r.json()["details"]["field"] == "status"
    client.force_login(people.paula)
    assert client.get("/exports/queue.csv").status_code == 200
    assert client.get("/exports/nothing.csv").status_code == 404
    assert client.get("/exports/queue.pdf").status_code == 404


@pytest.mark.parametrize("what", ["board", "queue", "estimates", "projects"])
def test_the_outsider_may_export_nothing(api: Any, client: Any, people: Any, what: str) -> None:
    assert api("olga").get(f"/api/v1/exports/{what}").status_code == 403
    client.force_login(people.olga)
    assert client.get(f"/exports/{what}.csv").status_code == 403


def test_the_list_pages_link_their_exports(client: Any, people: Any, cards: dict[str, Any]) -> None:
    client.force_login(people.leo)
    assert "/exports/board.csv" in client.get("/").content.decode()
    assert "/exports/estimates.xlsx" in client.get("/estimates/").content.decode()
    assert "/exports/projects.csv" in client.get("/projects/").content.decode()
    assert "/exports/queue.csv" in client.get("/scheduling/").content.decode()
