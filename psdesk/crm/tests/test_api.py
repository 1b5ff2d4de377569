from __future__ import annotations

from typing import Any

import pytest

from psdesk.crm.models import Opportunity

pytestmark = pytest.mark.django_db


def test_a_ps_only_opportunity_needs_a_parent_over_the_api(
    api: Any, people: Any, make_account: Any, frozen_clock: Any
) -> None:
    acc = make_account("Hooli")
    r = api("alice").post("/api/v1/crm/opportunities", {"account_id": acc.pk})
    assert r.status_code == 422 and "parent license opportunity" in r.json()["message"]
    assert Opportunity.objects.count() == 0
    lic = api("alice").post("/api/v1/crm/opportunities", {"account_id": acc.pk, "record_type": "license"}).json()
    r = api("alice").post("/api/v1/crm/opportunities", {"account_id": acc.pk, "parent_id": lic["id"]})
    assert r.status_code == 201 and r.json()["name"] == "Hooli- Professional Services 11/26"
    suggestion = api("alice").get(f"/api/v1/crm/accounts/{acc.pk}/opportunity-name").json()
    assert suggestion == {"name": "Hooli- Professional Services 11/26"}


def test_stage_moves_over_the_api(api: Any, people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity(stage="4_proposal")
    r = api("alice").post(
        f"/api/v1/crm/opportunities/{opp.pk}/transitions", {"action": "back_to_1_discovery", "reason": "x"}
    )
    assert r.status_code == 403 and "permission" in r.json()["message"]
    r = api("mona").post(f"/api/v1/crm/opportunities/{opp.pk}/transitions", {"action": "back_to_1_discovery"})
    assert r.status_code == 409 and "needs a reason" in r.json()["message"]
    r = api("mona").post(
        f"/api/v1/crm/opportunities/{opp.pk}/transitions", {"action": "back_to_1_discovery", "reason": "rescoping"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["stage"] == "1_discovery"
    assert [(h["source"], h["target"], h["reason"]) for h in body["history"]] == [
        ("4-Proposal", "1-Discovery", "rescoping")
    ]
    r = api("alice").post(f"/api/v1/crm/opportunities/{opp.pk}/transitions", {"action": "fly"})
    assert r.status_code == 400


def test_pubsec_accounts_and_opportunities_are_404_for_non_members(
    api: Any, people: Any, make_account: Any, make_opportunity: Any
) -> None:
    agency = make_account("Agency", pubsec=True)
    opp = make_opportunity(agency)
    for path in (f"/api/v1/crm/accounts/{agency.pk}", f"/api/v1/crm/opportunities/{opp.pk}"):
        assert api("erin").get(path).status_code == 404
        assert api("pat").get(path).status_code == 200
    assert "Agency" not in api("erin").get("/api/v1/crm/accounts").content.decode()
    assert api("erin").get("/api/v1/crm/opportunities").json()["count"] == 0


def test_the_em_edits_the_ps_section_over_the_api(api: Any, people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    r = api("erin").patch(
        f"/api/v1/crm/opportunities/{opp.pk}",
        {"em_confidence": "green", "ps_value": "42000.00", "no_po_required": True},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["em_confidence"], r.json()["ps_value"], r.json()["no_po_required"]) == ("green", "42000.00", True)
    assert api("erin").patch(f"/api/v1/crm/opportunities/{opp.pk}", {"amount": "1.00"}).status_code == 403
    assert api("erin").patch(f"/api/v1/crm/opportunities/{opp.pk}", {"ps_value": 1.5}).status_code == 422
    assert api("olga").get(f"/api/v1/crm/opportunities/{opp.pk}").status_code == 403


def test_an_msa_is_recorded_with_its_dates(api: Any, people: Any, make_account: Any, frozen_clock: Any) -> None:
    acc = make_account()
    r = api("lena").post(
        f"/api/v1/crm/accounts/{acc.pk}/msas",
        {"reference": "MSA-1", "effective_from": "2025-01-01", "effective_to": "2025-12-31"},
    )
    assert r.status_code == 201 and r.json()["in_force"] is False
    r = api("lena").post(f"/api/v1/crm/accounts/{acc.pk}/msas", {"reference": "MSA-2", "effective_from": "2026-01-01"})
    assert r.json()["in_force"] is True
    assert (
        api("erin")
        .post(f"/api/v1/crm/accounts/{acc.pk}/msas", {"reference": "x", "effective_from": "2026-01-01"})
        .status_code
        == 403
    )


def test_null_for_a_required_field_is_a_422_not_a_crash(api: Any, people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    for field in ("name", "amount", "ps_value", "em_confidence", "no_po_required"):
        r = api("alice").patch(f"/api/v1/crm/opportunities/{opp.pk}", {field: None})
        assert r.status_code == 422, (field, r.content)
    r = api("alice").patch(f"/api/v1/crm/opportunities/{opp.pk}", {"close_date": None})
    assert r.status_code == 200
