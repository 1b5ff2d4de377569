"""The engagements API: permissions per role, PubSec isolation, errors as {code, message, details}."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = pytest.mark.django_db

VIEWERS = ["alice", "sam", "erin", "tara", "rory", "leo", "rita", "lena", "paula", "oscar", "mona", "pat"]
NON_VIEWERS = ["olga", "tom", "cody", "eddie"]


def test_unauthenticated_requests_get_401_json(db: Any) -> None:
    from django.test import Client

    r = Client().get("/api/v1/engagements")
    assert r.status_code == 401
    assert r.json() == {"code": "unauthenticated", "message": "Authentication required.", "details": {}}
    r = Client().get("/api/v1/engagements", HTTP_AUTHORIZATION="Bearer psd_not-a-token")
    assert r.status_code == 401


@pytest.mark.parametrize("who", VIEWERS)
def test_roles_that_work_on_engagements_can_list_them(who: str, api: Any, make_engagement: Any) -> None:
    make_engagement()
    r = api(who).get("/api/v1/engagements")
    assert r.status_code == 200
    assert r.json()["count"] == 1


@pytest.mark.parametrize("who", NON_VIEWERS)
def test_outsiders_and_roles_without_board_access_get_403(who: str, api: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    r = api(who).get("/api/v1/engagements")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api(who).get(f"/api/v1/engagements/{eng.pk}").status_code == 403
    r = api(who).post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "triage"})
    assert r.status_code == 403
    assert Engagement.objects.get(pk=eng.pk).state == S.OPEN


def test_pubsec_engagements_are_404_for_non_members_and_absent_from_lists(
    api: Any, make_account: Any, make_engagement: Any
) -> None:
    secret = make_engagement(make_account("Agency of Secrets", pubsec=True), em="pat")
    make_engagement(make_account("Acme"))
    listing = api("erin").get("/api/v1/engagements").json()
    assert [e["account"]["name"] for e in listing["items"]] == ["Acme"]
    assert listing["count"] == 1
    r = api("erin").get(f"/api/v1/engagements/{secret.pk}")
    assert r.status_code == 404 and "Secrets" not in r.content.decode()
    r = api("erin").post(f"/api/v1/engagements/{secret.pk}/transitions", {"action": "triage"})
    assert r.status_code == 404
    assert api("pat").get(f"/api/v1/engagements/{secret.pk}").status_code == 200
    assert api("pat").get("/api/v1/engagements").json()["count"] == 2


def test_a_move_through_the_api_returns_the_card_and_audits(api: Any, people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "triage", "expected_version": 0})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["state"], body["state_label"], body["version"]) == (
        "awaiting_discovery",
        "proposal::Awaiting_Discovery",
        1,
    )
    ev = AuditEvent.objects.get(verb="board.triage")
    assert ev.actor_id == people.erin.pk and ev.request_id


def test_unknown_action_is_400_refused_move_409_with_reason_and_nothing_changes(api: Any, make_engagement: Any) -> None:
    eng = make_engagement(em=None)
    n = AuditEvent.objects.count()
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "teleport"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_action"
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "triage"})
    assert r.status_code == 409
    assert r.json()["message"] == "Assign an engagement manager before starting discovery."
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "hold"})
    assert r.status_code == 409 and "needs a reason" in r.json()["message"]
    eng.refresh_from_db()
    assert eng.state == S.OPEN and eng.version == 0 and AuditEvent.objects.count() == n


def test_stale_version_is_409(api: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "triage", "expected_version": 3})
    assert r.status_code == 409 and r.json()["code"] == "stale"


def test_malformed_body_is_422_with_a_message(api: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/transitions", {"reason": "x"})
    assert r.status_code == 422 and r.json()["message"].startswith("action:")
    r = api("erin").get("/api/v1/engagements", limit=100000)
    assert r.status_code == 422
    r = api("erin").get("/api/v1/engagements", state="nowhere")
    assert r.status_code == 422


def test_create_engagement_validates_account_visibility_and_em(api: Any, people: Any, make_account: Any) -> None:
    acc = make_account("Initech")
    secret = make_account("Agency", pubsec=True)
    r = api("sam").post("/api/v1/engagements", {"account_id": acc.pk})
    assert r.status_code == 201
    assert r.json()["title"] == "Initech - Scope Issue and Write SOW" and r.json()["state"] == "open"
    assert api("sam").post("/api/v1/engagements", {"account_id": secret.pk}).status_code == 404
    r = api("sam").post("/api/v1/engagements", {"account_id": acc.pk, "em_id": people.tom.pk})
    assert r.status_code == 422
    assert api("tara").post("/api/v1/engagements", {"account_id": acc.pk}).status_code == 403
    assert Engagement.objects.count() == 1


def test_detail_lists_moves_with_their_refusals(api: Any, make_engagement: Any) -> None:
    eng = make_engagement(em=None)
    moves = {m["action"]: m for m in api("erin").get(f"/api/v1/engagements/{eng.pk}").json()["moves"]}
    assert set(moves) == {"triage", "hold", "close_won", "close_lost"}
    assert moves["triage"]["refusal"] == "Assign an engagement manager before starting discovery."
    assert moves["hold"]["refusal"] is None and moves["hold"]["needs_reason"] is True


def test_list_query_count_does_not_grow_with_rows(api: Any, make_account: Any, make_engagement: Any) -> None:
    client = api("erin")
    acc = make_account()
    make_engagement(acc)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/engagements").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request also stamps the token's last use
    few = queries()
    for _ in range(15):
        make_engagement(make_account(), em="emil")
    assert queries() == few


def test_openapi_documents_4xx_responses(db: Any) -> None:
    from django.test import Client

    doc = Client().get("/api/v1/openapi.json").json()
    responses = doc["paths"]["/api/v1/engagements/{engagement_id}/transitions"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422"} <= set(responses)
