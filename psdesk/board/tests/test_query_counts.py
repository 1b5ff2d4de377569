"""Query-count baselines of the board's lists (tests/query_counts.json), each at two data sizes
with one baseline: the board page and the engagements API list stay flat in N."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import assert_expected_query_count

pytestmark = pytest.mark.django_db


def _cards(make_account: Any, make_engagement: Any, n: int) -> None:
    paths: tuple[tuple[str, ...], ...] = ((), ("triage",), ("hold",))
    for i in range(n):
        make_engagement(make_account(f"Board {n}-{i}"), path=paths[i % len(paths)])


@pytest.mark.parametrize("n", [2, 12])
def test_board_page_query_count(n: int, people: Any, make_account: Any, make_engagement: Any) -> None:
    _cards(make_account, make_engagement, n)
    web = Client()
    web.force_login(people.erin)
    assert web.get("/").status_code == 200  # warm the per-process caches (content types)
    with assert_expected_query_count("board.index"):
        assert web.get("/").status_code == 200


@pytest.mark.parametrize("n", [2, 12])
def test_engagements_api_list_query_count(n: int, api: Any, make_account: Any, make_engagement: Any) -> None:
    _cards(make_account, make_engagement, n)
    erin = api("erin")
    assert erin.get("/api/v1/engagements", limit=n).status_code == 200
    with assert_expected_query_count("api.engagements"):
        r = erin.get("/api/v1/engagements", limit=n - 1)
    assert r.status_code == 200 and len(r.json()["items"]) == n - 1
    with assert_expected_query_count("api.engagements.cursor"):
        page = erin.get("/api/v1/engagements", limit=1, cursor=_cursor(r.json()))
    assert page.status_code == 200


def _cursor(body: dict[str, Any]) -> str:
    return parse_qs(urlparse(body["next"]).query)["cursor"][0]


@pytest.mark.parametrize("n", [2, 12])
def test_engagements_api_filtered_list_query_count(
    n: int, api: Any, make_account: Any, make_engagement: Any, people: Any
) -> None:
    """Filtered: the first page counts the matching rows, a cursor page does not."""
    _cards(make_account, make_engagement, n)
    erin = api("erin")
    assert erin.get("/api/v1/engagements", limit=1, em=people.erin.pk).status_code == 200
    with assert_expected_query_count("api.engagements.filtered"):
        r = erin.get("/api/v1/engagements", limit=1, em=people.erin.pk)
    with assert_expected_query_count("api.engagements.filtered.cursor"):
        page = erin.get("/api/v1/engagements", limit=1, em=people.erin.pk, cursor=_cursor(r.json()))
    assert page.status_code == 200 and page.json()["count"] is None
