"""Global search: grouped by type, by name, number or customer, only the groups a role may open and
only rows the reader may see; PubSec rows never reach a non-member (API and page)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind(make_account: Any, make_engagement: Any) -> dict[str, Any]:
    nw = make_account("Northwind Traders")
    fed = make_account("Northwind Federal", pubsec=True)
    return {
        "eng": make_engagement(nw, title="Northwind Traders - Scope Issue and Write SOW"),
        "fed": make_engagement(fed, em="pat", title="Northwind Federal - Scope Issue and Write SOW"),
        "other": make_engagement(make_account("Globex"), title="Globex - Scope Issue and Write SOW"),
    }


def _groups(body: dict[str, Any]) -> dict[str, list[str]]:
    return {g["key"]: [h["title"] for h in g["hits"]] for g in body["groups"]}


def test_an_engagement_is_found_by_customer_and_grouped_with_its_account(api: Any, northwind: dict[str, Any]) -> None:
    r = api("erin").get("/api/v1/search", q="northwind")
    assert r.status_code == 200, r.content
    groups = _groups(r.json())
    assert groups["engagements"] == ["Northwind Traders - Scope Issue and Write SOW"]
    assert groups["accounts"] == ["Northwind Traders"]
    hit = r.json()["groups"][0]["hits"][0]
    assert hit["url"] == f"/engagements/{northwind['eng'].pk}/"


def test_a_number_finds_the_engagement_with_that_id(api: Any, northwind: dict[str, Any]) -> None:
    groups = _groups(api("erin").get("/api/v1/search", q=f"#{northwind['other'].pk}").json())
    assert "Globex - Scope Issue and Write SOW" in groups["engagements"]


def test_pubsec_rows_are_found_by_members_only(api: Any, northwind: dict[str, Any]) -> None:
    erin = _groups(api("erin").get("/api/v1/search", q="federal").json())
    assert erin == {}
    pat = _groups(api("pat").get("/api/v1/search", q="federal").json())
    assert pat["engagements"] == ["Northwind Federal - Scope Issue and Write SOW"]
    assert pat["accounts"] == ["Northwind Federal"]


def test_groups_follow_the_role_a_consultant_sees_no_engagements(api: Any, northwind: dict[str, Any]) -> None:
    groups = _groups(api("cody").get("/api/v1/search", q="northwind").json())
    assert "engagements" not in groups


def test_the_outsider_gets_403_and_blank_or_overlong_queries_are_handled(
    api: Any, client: Any, people: Any, northwind: dict[str, Any]
) -> None:
    assert api("olga").get("/api/v1/search", q="northwind").status_code == 403
    client.force_login(people.olga)
    assert client.get("/search/", {"q": "northwind"}).status_code == 403
    assert api("erin").get("/api/v1/search", q="   ").json()["groups"] == []
    r = api("erin").get("/api/v1/search", q="x" * 101)
    assert r.status_code == 422 and r.json()["details"]["field"] == "q"
    assert api("erin").get("/api/v1/search").status_code == 422


def test_the_search_page_groups_results_with_links_and_hides_pubsec(
    client: Any, people: Any, northwind: dict[str, Any]
) -> None:
    client.force_login(people.erin)
    html = client.get("/search/", {"q": "northwind"}).content.decode()
    assert 'data-group="engagements"' in html and 'data-group="accounts"' in html
    assert f'href="/engagements/{northwind["eng"].pk}/"' in html
    assert "Federal" not in html
    assert 'id="global-search"' in html  # the header box on every page
