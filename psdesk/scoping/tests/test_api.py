"""The scoping API: per-role permissions, PubSec 404s, bad input, stale edits."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.engagements.models import Engagement
from psdesk.scoping.models import SsotRow
from psdesk.scoping.tests.conftest import IMPL_ANSWERS, MIG_ANSWERS

pytestmark = pytest.mark.django_db


def _payload(account_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "service_types": ["implementation", "scm_migration"],
        "answers": {"implementation": IMPL_ANSWERS, "scm_migration": MIG_ANSWERS},
        **kw,
    }


def test_creating_a_request_from_json_returns_201_then_200_for_a_double_submit(api: Any, east: Any) -> None:
    r = api("sam").post("/api/v1/scoping/requests", _payload(east.pk))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["title"] == "Acme Corp - Scope Issue and Write SOW"
    assert (body["state"], body["em"], body["labels"], body["duplicate"]) == (
        "open",
        "erin",
        ["Services Calculator"],
        False,
    )
    again = api("sam").post("/api/v1/scoping/requests", _payload(east.pk))
    assert again.status_code == 200
    assert again.json()["engagement_id"] == body["engagement_id"] and again.json()["duplicate"] is True
    assert Engagement.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"service_types": ["nope"]}, 422, "validation_error"),
        ({"answers": {"implementation": {"users": "many"}}}, 422, "validation_error"),
        ({"answers": {"implementation": {"users": -1}}}, 422, "validation_error"),
        ({"answers": {"implementation": {"hosting": "Moon"}}}, 422, "validation_error"),
        ({"account_id": None}, 422, "validation_error"),
        ({"account_id": 999999}, 404, "not_found"),
        ({"service_types": "implementation"}, 422, "invalid_input"),
    ],
)
def test_bad_requests_are_refused_with_json_errors(
    api: Any, east: Any, payload: dict[str, Any], status: int, code: str
) -> None:
    r = api("sam").post("/api/v1/scoping/requests", {**_payload(east.pk), "answers": {}, **payload})
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert Engagement.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("sam", 201), ("alice", 201), ("erin", 201), ("oscar", 201), ("olga", 403), ("tom", 403), ("tara", 403)],
)
def test_who_may_submit_the_calculator(api: Any, east: Any, who: str, status: int) -> None:
    assert api(who).post("/api/v1/scoping/requests", _payload(east.pk)).status_code == status


def test_pubsec_engagements_are_404_for_non_members(api: Any, people: Any, make_account: Any) -> None:
    acc = make_account("Agency", em=people.pat)
    r = api("pat").post("/api/v1/scoping/requests", _payload(acc.pk, us_public_sector=True))
    assert r.status_code == 201, r.content
    eid = r.json()["engagement_id"]
    assert r.json()["labels"] == ["Public Sector US", "Services Calculator"]
    assert api("pat").get(f"/api/v1/scoping/engagements/{eid}/ssot").status_code == 200
    for path in ("ssot", "estimate", "intake"):
        assert api("erin").get(f"/api/v1/scoping/engagements/{eid}/{path}").status_code == 404
    row = SsotRow.objects.filter(engagement_id=eid).first()
    assert row is not None
    r = api("erin").patch(f"/api/v1/scoping/engagements/{eid}/ssot/{row.pk}", {"response": "x"})
    assert r.status_code == 404
    assert api("sam").post("/api/v1/scoping/requests", _payload(acc.pk)).status_code == 404


def test_answering_a_row_records_history_and_returns_the_estimate_diff(api: Any, east: Any) -> None:
    eid = api("sam").post("/api/v1/scoping/requests", _payload(east.pk)).json()["engagement_id"]
    row = SsotRow.objects.get(engagement_id=eid, key="integrations")
    r = api("erin").patch(f"/api/v1/scoping/engagements/{eid}/ssot/{row.pk}", {"response": 5, "expected_version": 0})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["row"]["response"], body["row"]["version"]) == ("5", 1)
    assert body["diff"]["changes"] == [
        {
            "service_type": "implementation",
            "activity": "impl_integrations",
            "description": "Integrations (LDAP/SSO, Jira, Jenkins, ...)",
            "status": "changed",
            "before_hours": "24.00",
            "after_hours": "40.00",
            "delta": "16.00",
            "provenance": ["+40 h because integrations = 5 (8 h each)"],
        }
    ]
    ev = AuditEvent.objects.filter(verb="scoping.ssot_answered").get()
    assert (ev.actor_label, ev.before, ev.after) == (
        "erin",
        {"question": "implementation.integrations", "response": "3"},
        {"question": "implementation.integrations", "response": "5"},
    )
    stale = api("sam").patch(f"/api/v1/scoping/engagements/{eid}/ssot/{row.pk}", {"response": 7, "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    bad = api("sam").patch(f"/api/v1/scoping/engagements/{eid}/ssot/{row.pk}", {"response": "seven"})
    assert bad.status_code == 422
    row.refresh_from_db()
    assert (row.response, row.version) == ("5", 1)
    assert AuditEvent.objects.filter(verb="scoping.ssot_answered").count() == 1
    history = api("tara").get(f"/api/v1/scoping/engagements/{eid}/ssot-history", limit=10)
    assert [(h["actor"], h["question"], h["before"], h["after"]) for h in history.json()] == [
        ("erin", "implementation.integrations", "3", "5")
    ]
    assert api("tara").get(f"/api/v1/scoping/engagements/{eid}/ssot-history", limit=1000).status_code == 422


@pytest.mark.parametrize(
    ("who", "status"),
    [("erin", 200), ("sam", 200), ("oscar", 200), ("emil", 403), ("alice", 403), ("tara", 403), ("olga", 403)],
)
def test_only_account_team_and_em_edit_the_ssot_table(api: Any, east: Any, who: str, status: int) -> None:
    eid = api("sam").post("/api/v1/scoping/requests", _payload(east.pk)).json()["engagement_id"]
    row = SsotRow.objects.get(engagement_id=eid, key="os")
    assert (
        api(who).patch(f"/api/v1/scoping/engagements/{eid}/ssot/{row.pk}", {"response": "RHEL 9"}).status_code == status
    )


def test_the_estimate_endpoint_lists_lines_with_provenance(api: Any, east: Any) -> None:
    eid = api("sam").post("/api/v1/scoping/requests", _payload(east.pk)).json()["engagement_id"]
    r = api("tara").get(f"/api/v1/scoping/engagements/{eid}/estimate")
    assert r.status_code == 200
    lines = {ln["activity"]: ln for ln in r.json()["lines"]}
    assert lines["mig_large_repos"]["provenance"] == ["+16 h because large_repos = 3 (2 per day)"]
    assert lines["impl_geo"]["provenance"] == ["+40 h because geo = yes"]
    assert api("olga").get(f"/api/v1/scoping/engagements/{eid}/estimate").status_code == 403


def test_the_intake_is_read_and_updated_with_optimistic_concurrency(api: Any, east: Any) -> None:
    eid = api("sam").post("/api/v1/scoping/requests", _payload(east.pk)).json()["engagement_id"]
    got = api("erin").get(f"/api/v1/scoping/engagements/{eid}/intake").json()
    assert (got["pricing_model"], got["delivery_mode"], got["version"]) == ("unknown", "unknown", 0)
    changes = {"clearance_required": "Secret", "partner_staffing_allowed": False, "start_window_from": "2027-01-11"}
    r = api("erin").patch(f"/api/v1/scoping/engagements/{eid}/intake", {"changes": changes, "expected_version": 0})
    assert r.status_code == 200, r.content
    assert (r.json()["clearance_required"], r.json()["version"]) == ("Secret", 1)
    stale = api("sam").patch(
        f"/api/v1/scoping/engagements/{eid}/intake", {"changes": {"timezone": "UTC"}, "expected_version": 0}
    )
    assert stale.status_code == 409
    bad = api("sam").patch(f"/api/v1/scoping/engagements/{eid}/intake", {"changes": {"start_window_to": "2026-01-01"}})
    assert bad.status_code == 422
    assert (
        api("emil").patch(f"/api/v1/scoping/engagements/{eid}/intake", {"changes": {"timezone": "UTC"}}).status_code
        == 403
    )


def test_service_types_list_the_questions(api: Any) -> None:
    r = api("sam").get("/api/v1/scoping/service-types")
    assert r.status_code == 200
    assert [t["key"] for t in r.json()] == [
        "implementation", "scm_migration", "cicd_transition", "readiness_assessment", "advisory", "custom_education",
    ]  # fmt: skip
    assert api("olga").get("/api/v1/scoping/service-types").status_code == 403
