"""The History page of an object and the PS Ops audit search: events as sentences with their
before/after, PubSec objects' events only for members, the outsider refused, and the chain's
verification shown to PS Ops."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(frozen_clock: Any, make_account: Any, make_engagement: Any) -> dict[str, Any]:
    return {
        "eng": make_engagement(make_account("Acme Corp"), path=("triage",)),
        "fed": make_engagement(make_account("Federal Agency", pubsec=True), em="pat", path=("triage",)),
    }


def test_an_engagement_history_reads_as_sentences_with_before_and_after(
    api: Any, client: Any, people: Any, moved: dict[str, Any]
) -> None:
    eng = moved["eng"]
    r = api("erin").get(f"/api/v1/history/engagement/{eng.pk}")
    assert r.status_code == 200, r.content
    events = r.json()["events"]
    assert [e["verb"] for e in events][:1] == ["board.triage"]
    move = events[0]
    assert move["sentence"] == "erin moved this from Open to Awaiting Discovery"
    assert {"field": "Column", "before": "Open", "after": "Awaiting Discovery"} in move["changes"]
    client.force_login(people.erin)
    html = client.get(f"/history/engagement/{eng.pk}/").content.decode()
    assert "erin moved this from Open to Awaiting Discovery" in html
    assert "<td>Column</td><td>Open</td><td>Awaiting Discovery</td>" in html
    assert "{" not in html.split('id="history"')[1].split("</ol>")[0]  # no raw dicts
    assert f'href="/history/engagement/{eng.pk}/"' in client.get(f"/engagements/{eng.pk}/").content.decode()


def test_a_pubsec_history_is_404_for_non_members_and_readable_by_members(
    api: Any, client: Any, people: Any, moved: dict[str, Any]
) -> None:
    fed = moved["fed"]
    assert api("erin").get(f"/api/v1/history/engagement/{fed.pk}").status_code == 404
    assert api("pat").get(f"/api/v1/history/engagement/{fed.pk}").status_code == 200
    client.force_login(people.erin)
    assert client.get(f"/history/engagement/{fed.pk}/").status_code == 404
    client.force_login(people.olga)
    assert client.get(f"/history/engagement/{moved['eng'].pk}/").status_code == 403
    assert api("olga").get(f"/api/v1/history/engagement/{moved['eng'].pk}").status_code == 403


def test_each_object_page_kind_has_a_history(api: Any, moved: dict[str, Any]) -> None:
    from psdesk.estimates.testing import estimate_seed_shared

    eng = moved["eng"]
    estimate_seed_shared(eng)
    for kind in ("engagement", "estimate", "sow"):
        assert api("erin").get(f"/api/v1/history/{kind}/{eng.pk}").status_code == 200, kind
    assert api("erin").get("/api/v1/history/engagement/999999").status_code == 404
    assert api("erin").get(f"/api/v1/history/nothing/{eng.pk}").status_code == 422


def test_ps_ops_searches_the_audit_log_by_actor_verb_object_and_dates(api: Any, moved: dict[str, Any]) -> None:
    r = api("oscar").get(
        "/api/v1/audit/events", actor="erin", verb="board.", date_from="2026-11-27", date_to="2026-11-27"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 1
    assert body["events"][0]["sentence"] == "erin moved this from Open to Awaiting Discovery"
    assert api("oscar").get("/api/v1/audit/events", actor="erin", date_to="2026-11-26").json()["count"] == 0
    assert api("oscar").get("/api/v1/audit/events", object="Acme").json()["count"] >= 1


def test_pubsec_events_stay_out_of_a_non_members_audit_search(api: Any, moved: dict[str, Any]) -> None:
    body = api("oscar").get("/api/v1/audit/events", actor="pat").json()
    assert body["count"] == 0  # pat's move was on the PubSec card


def test_bad_dates_are_422_naming_the_field_and_only_ps_ops_searches(
    api: Any, client: Any, people: Any, moved: dict[str, Any]
) -> None:
    r = api("oscar").get("/api/v1/audit/events", date_from="2026-13-01")
    assert r.status_code == 422 and r.json()["details"]["field"] == "date_from"
    assert api("oscar").get("/api/v1/audit/events", date_to="0").status_code == 422
    r = api("oscar").get("/api/v1/audit/events", date_from="2026-11-28", date_to="2026-11-01")
    assert r.status_code == 422 and r.json()["details"]["field"] == "date_to"
    for username in ("olga", "erin", "leo"):
        assert api(username).get("/api/v1/audit/events").status_code == 403
        assert api(username).get("/api/v1/audit/verify").status_code == 403
    client.force_login(people.oscar)
    page = client.get("/audit/", {"date_from": "nonsense"})
    assert page.status_code == 422 and "date_from: give a date as YYYY-MM-DD." in page.content.decode()


def test_ps_ops_sees_the_chain_verified_when_every_row_is_anchored(
    api: Any, client: Any, people: Any, frozen_clock: Any, make_engagement: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from psdesk.audit.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):  # as in production: the anchor follows each commit
        make_engagement(path=("triage",))
    body = api("oscar").get("/api/v1/audit/verify").json()
    assert body == {
        "ok": True,
        "rows": AuditEvent.objects.count(),
        "anchored_seq": body["rows"],
        "first_bad": None,
        "problems": [],
    }
    client.force_login(people.oscar)
    html = client.get("/audit/").content.decode()
    assert "Audit chain verified:" in html and f"{body['rows']} rows" in html


def test_ps_ops_sees_a_broken_chain_named(api: Any, client: Any, people: Any, moved: dict[str, Any]) -> None:
    # rows written without their commit reaching the anchor file: verify reports them
    body = api("oscar").get("/api/v1/audit/verify").json()
    assert body["ok"] is False and body["first_bad"] is not None and body["problems"]
    client.force_login(people.oscar)
    assert "The audit chain is BROKEN" in client.get("/audit/").content.decode()
