"""The estimates API: permissions per role, PubSec isolation, cost hidden from non-cost roles, errors."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.branding.testing import documents_worker_run
from psdesk.estimates.models import EstimateVersion

pytestmark = pytest.mark.django_db

LINES = [{"activity": "Install", "role": "PSE", "hours": "10.5", "provenance": ["rule:x"]}]


def _create(api: Any, eng: Any, who: str = "erin", **body: Any) -> Any:
    return api(who).post(f"/api/v1/estimates/engagements/{eng.pk}/versions", body)


def test_an_em_creates_edits_shares_and_reads_a_version(api: Any, strawman: Any, frozen_clock: Any) -> None:
    r = _create(api, strawman, from_draft=True, expected_latest=0)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["number"], body["price"], body["cost"], body["margin"]) == (1, "26400.00", "9520.00", "0.6394")
    assert body["lines"][1]["provenance"] == ["ssot:users", "rule:ra3k"]
    vid = body["id"]
    r = api("erin").put(f"/api/v1/estimates/versions/{vid}", {"revision": 0, "lines": LINES, "pricing_model": "tm"})
    assert r.status_code == 200 and r.json()["price"] == "3150.00" and r.json()["revision"] == 1
    r = api("erin").post(f"/api/v1/estimates/versions/{vid}/share")
    assert r.status_code == 200
    assert r.json()["url"].startswith("http://testserver/review/")
    r = api("erin").put(f"/api/v1/estimates/versions/{vid}", {"revision": 1, "lines": LINES})
    assert (r.status_code, r.json()["code"]) == (409, "version_shared")
    r = api("erin").put(f"/api/v1/estimates/versions/{vid}", {"revision": 0, "lines": LINES})
    assert r.status_code == 409


def test_the_api_refuses_bad_input_with_422_and_writes_nothing(api: Any, strawman: Any, frozen_clock: Any) -> None:
    audits = AuditEvent.objects.count()
    for lines in (
        [{"activity": "A", "role": "PSE", "hours": "0"}],
        [{"activity": "A", "role": "PSE", "hours": "-1"}],
        [{"activity": "A", "role": "PSE", "hours": "1.001"}],
        [{"activity": "A", "role": "Wizard", "hours": "1"}],
        [{"activity": "A", "role": "PSE", "hours": "abc"}],
        [{"activity": "A", "role": "PSE", "hours": "1", "delivery": "moon"}],
    ):
        r = _create(api, strawman, lines=lines)
        assert r.status_code == 422, (lines, r.content)
        assert set(r.json()) == {"code", "message", "details"}
    assert EstimateVersion.objects.count() == 0 and AuditEvent.objects.count() == audits


@pytest.mark.parametrize("who", ["tara", "alice", "sam", "leo", "rory", "rita"])
def test_roles_that_may_not_write_estimates_get_403(api: Any, strawman: Any, who: str) -> None:
    assert _create(api, strawman, who, lines=LINES).status_code == 403


@pytest.mark.parametrize("who", ["olga", "tom", "cody"])
def test_people_without_an_estimates_role_get_403_everywhere(api: Any, strawman: Any, who: str) -> None:
    v = EstimateVersion.objects.get(pk=_create(api, strawman, lines=LINES).json()["id"])
    assert api(who).get(f"/api/v1/estimates/engagements/{strawman.pk}/versions").status_code == 403
    assert api(who).get(f"/api/v1/estimates/versions/{v.pk}").status_code == 403
    assert api(who).post(f"/api/v1/estimates/versions/{v.pk}/share").status_code == 403


def test_cost_and_margin_are_hidden_from_roles_without_cost(api: Any, strawman: Any) -> None:
    vid = _create(api, strawman, lines=LINES).json()["id"]
    seen = api("alice").get(f"/api/v1/estimates/versions/{vid}").json()
    assert (seen["price"], seen["cost"], seen["margin"], seen["lines"][0]["cost"]) == ("3465.00", None, None, None)
    assert api("alice").get(f"/api/v1/estimates/versions/{vid}/xlsx", variant="internal").status_code == 403
    assert api("leo").get(f"/api/v1/estimates/versions/{vid}").json()["cost"] == "1260.00"


def test_pubsec_estimates_are_404_for_non_members(api: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    r = _create(api, eng, "pat", lines=LINES)
    assert r.status_code == 201
    vid = r.json()["id"]
    assert api("erin").get(f"/api/v1/estimates/versions/{vid}").status_code == 404
    assert api("erin").get(f"/api/v1/estimates/engagements/{eng.pk}/versions").status_code == 404
    assert api("erin").post(f"/api/v1/estimates/versions/{vid}/share").status_code == 404
    assert _create(api, eng, "erin", lines=LINES).status_code == 404
    assert api("tara").post(f"/api/v1/estimates/versions/{vid}/reviews", {"decision": "approved"}).status_code == 404
    assert api("pat").get(f"/api/v1/estimates/versions/{vid}").status_code == 200


def test_a_ta_approves_through_the_api_and_an_em_cannot(api: Any, strawman: Any) -> None:
    vid = _create(api, strawman, lines=LINES).json()["id"]
    assert api("erin").post(f"/api/v1/estimates/versions/{vid}/reviews", {"decision": "approved"}).status_code == 403
    r = api("tara").post(f"/api/v1/estimates/versions/{vid}/reviews", {"decision": "approved"})
    assert r.status_code == 201 and r.json()["decision"] == "approved"
    assert api("erin").get(f"/api/v1/estimates/versions/{vid}").json()["ta_approved"] is True


def test_diff_and_exports_through_the_api(
    api: Any, strawman: Any, django_capture_on_commit_callbacks: Any, media: Any
) -> None:
    a = _create(api, strawman, lines=LINES).json()["id"]
    b = _create(
        api, strawman, lines=[{**LINES[0], "hours": "12"}, {"activity": "Train", "role": "Trainer", "hours": "8"}]
    ).json()["id"]
    d = api("erin").get(f"/api/v1/estimates/versions/{a}/diff/{b}").json()
    assert (d["added"], d["removed"], d["changed"], d["price_delta"]) == (1, 0, 1, "3135.00")
    assert d["changes"][0]["changed"] == ["hours", "price"] and d["margin_delta"] is not None
    assert api("alice").get(f"/api/v1/estimates/versions/{a}/diff/{b}").json()["margin_delta"] is None
    with django_capture_on_commit_callbacks(execute=True):
        waiting = api("erin").get(f"/api/v1/estimates/versions/{b}/xlsx", variant="internal")
    assert waiting.status_code == 409 and waiting.json()["code"] == "document_rendering"
    documents_worker_run()
    x = api("erin").get(f"/api/v1/estimates/versions/{b}/xlsx", variant="internal")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "estimate-v2-internal.xlsx" in x["Content-Disposition"]


def test_links_are_listed_and_revoked_through_the_api(api: Any, strawman: Any) -> None:
    vid = _create(api, strawman, lines=LINES).json()["id"]
    link = api("erin").post(f"/api/v1/estimates/versions/{vid}/share").json()
    r = api("erin").post(f"/api/v1/estimates/links/{link['link_id']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    assert [
        lk["revoked_at"] is not None for lk in api("erin").get(f"/api/v1/estimates/versions/{vid}/links").json()
    ] == [True]
    assert api("alice").post(f"/api/v1/estimates/links/{link['link_id']}/revoke").status_code == 403
