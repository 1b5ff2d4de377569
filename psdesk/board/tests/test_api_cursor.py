"""The engagements API list pages by keyset cursor (`next`) and still honours limit/offset."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.django_db


def test_following_next_walks_every_engagement_once_in_list_order(
    api: Any, make_account: Any, make_engagement: Any
) -> None:
    made = [make_engagement(make_account(f"Cursor {i}")).pk for i in range(7)]
    make_engagement(make_account("Secret", pubsec=True))  # erin is outside PubSec: never listed
    erin = api("erin")
    seen, url, pages = [], "/api/v1/engagements", 0
    params: dict[str, Any] = {"limit": 3}
    while True:
        r = erin.get(url, **params)
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == 7
        seen += [e["id"] for e in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        query = parse_qs(urlparse(body["next"]).query)
        assert query["limit"] == ["3"]
        params = {"limit": 3, "cursor": query["cursor"][0]}
    assert (seen, pages) == (made, 3)
    by_offset = erin.get("/api/v1/engagements", limit=3, offset=3).json()
    assert [e["id"] for e in by_offset["items"]] == made[3:6]
    assert by_offset["next"] is not None and "offset" not in by_offset["next"]


def test_a_cursor_keeps_the_filters_of_its_list(api: Any, make_account: Any, make_engagement: Any) -> None:
    triaged = [make_engagement(make_account(f"T {i}"), path=("triage",)).pk for i in range(3)]
    make_engagement(make_account("Still open"))
    erin = api("erin")
    first = erin.get("/api/v1/engagements", limit=2, state="awaiting_discovery").json()
    assert first["count"] == 3
    nxt = parse_qs(urlparse(first["next"]).query)
    assert nxt["state"] == ["awaiting_discovery"]
    rest = erin.get("/api/v1/engagements", limit=2, state="awaiting_discovery", cursor=nxt["cursor"][0]).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == triaged
    assert rest["next"] is None


@pytest.mark.parametrize("cursor", ["nonsense", "eyJhIjoxfQ", "WyIyMDI2LTAxLTAxIiwgMV0", "x" * 201])
def test_a_cursor_the_list_never_gave_is_refused_with_400_or_422(api: Any, cursor: str) -> None:
    r = api("erin").get("/api/v1/engagements", cursor=cursor)
    assert r.status_code in (400, 422)
    assert r.json()["details"]["field"] == "cursor"
