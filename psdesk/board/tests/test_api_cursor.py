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


def _next_cursor(body: dict[str, Any]) -> str:
    return parse_qs(urlparse(body["next"]).query)["cursor"][0]


@pytest.mark.parametrize(
    "other",
    [{"state": "open"}, {"em": 1}, {"segment": "enterprise"}, {"mine": True}, {"q": "T"}],
)
def test_a_cursor_from_a_list_with_other_filters_is_refused_with_400_naming_it(
    api: Any, make_account: Any, make_engagement: Any, other: dict[str, Any]
) -> None:
    for i in range(3):
        make_engagement(make_account(f"T {i}"))
    erin = api("erin")
    cursor = _next_cursor(erin.get("/api/v1/engagements", limit=1).json())
    r = erin.get("/api/v1/engagements", limit=1, cursor=cursor, **other)
    assert r.status_code == 400
    assert r.json()["details"]["field"] == "cursor"
    assert "other filters" in r.json()["message"]
    assert erin.get("/api/v1/engagements", limit=1, cursor=cursor).status_code == 200  # its own list takes it


def test_a_cursor_of_the_old_form_without_its_list_is_refused(
    api: Any, make_account: Any, make_engagement: Any
) -> None:
    for i in range(2):
        make_engagement(make_account(f"T {i}"))
    erin = api("erin")
    stale = _next_cursor(erin.get("/api/v1/engagements", limit=1).json()).rpartition(".")[0]
    r = erin.get("/api/v1/engagements", limit=1, cursor=stale)
    assert r.status_code == 400 and r.json()["details"]["field"] == "cursor"


def test_count_is_kept_on_every_page_unfiltered_and_only_on_the_first_when_filtered(
    api: Any, make_account: Any, make_engagement: Any, people: Any
) -> None:
    for i in range(3):
        make_engagement(make_account(f"Mine {i}"))
    make_engagement(make_account("Someone else's"), em="pat")
    make_engagement(make_account("Hidden", pubsec=True), em="pat")  # erin is outside PubSec
    erin = api("erin")
    first = erin.get("/api/v1/engagements", limit=2).json()
    second = erin.get("/api/v1/engagements", limit=2, cursor=_next_cursor(first)).json()
    assert (first["count"], second["count"]) == (4, 4)
    mine = erin.get("/api/v1/engagements", limit=2, em=people.erin.pk).json()
    assert mine["count"] == 3
    rest = erin.get("/api/v1/engagements", limit=2, em=people.erin.pk, cursor=_next_cursor(mine)).json()
    assert rest["count"] is None and len(rest["items"]) == 1 and rest["next"] is None
    by_offset = erin.get("/api/v1/engagements", limit=2, offset=2, em=people.erin.pk).json()
    assert by_offset["count"] == 3 and by_offset["next"] is None


def test_the_schema_documents_the_pagination(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/engagements"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert {"limit", "offset", "cursor"} <= set(params)
    assert "400" in op["responses"] and "422" in op["responses"]
    page = doc["components"]["schemas"]["EngagementPage"]["properties"]
    assert (
        "cursor" in page["next"]["description"] and "null on pages reached by `cursor`" in page["count"]["description"]
    )
