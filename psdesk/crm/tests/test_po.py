"""The opportunity's PO number / "no PO required": recorded on the opportunity page and the API by
Deal Desk or the owner, audited; closing won custom work needs one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_po_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def opp(people: Any, make_account: Any) -> Opportunity:
    acc = make_account("Acme Corp", em=people.erin)
    lic = Opportunity.objects.create(
        name="Acme licence", account=acc, record_type=RecordType.LICENSE, owner=people.alice
    )
    o = Opportunity.objects.create(name="Acme PS", account=acc, parent=lic, owner=people.alice)
    o.account_team.set([people.sam])
    return o


def _client(people: Any, username: str) -> Client:
    c = Client()
    c.force_login(people[username])
    return c


def test_deal_desk_records_a_po_with_an_audit_row(people: Any, opp: Opportunity) -> None:
    saved = opportunity_po_record(opportunity_id=opp.pk, actor=people.rita, po_number=" PO-42 ", no_po_required=False)
    assert (saved.po_number, saved.no_po_required, saved.version) == ("PO-42", False, opp.version + 1)
    ev = AuditEvent.objects.get(verb="crm.po_recorded")
    assert ev.before == {"po_number": "", "no_po_required": False}
    assert ev.after == {"po_number": "PO-42", "no_po_required": False}


def test_the_owner_records_no_po_required(people: Any, opp: Opportunity) -> None:
    saved = opportunity_po_record(opportunity_id=opp.pk, actor=people.alice, po_number="", no_po_required=True)
    assert (saved.po_number, saved.no_po_required) == ("", True)


@pytest.mark.parametrize("who", ["erin", "sam", "leo", "oscar", "tom", "olga"])
def test_others_may_not_record_the_po(people: Any, opp: Opportunity, who: str) -> None:
    with pytest.raises(PermissionDenied):
        opportunity_po_record(opportunity_id=opp.pk, actor=people[who], po_number="PO-1", no_po_required=False)
    assert Opportunity.objects.get(pk=opp.pk).po_number == ""
    assert not AuditEvent.objects.filter(verb="crm.po_recorded").exists()


def test_another_account_executive_may_not_record_someone_elses_po(people: Any, opp: Opportunity) -> None:
    Opportunity.objects.filter(pk=opp.pk).update(owner=people.mona)
    with pytest.raises(PermissionDenied):
        opportunity_po_record(opportunity_id=opp.pk, actor=people.alice, po_number="PO-1", no_po_required=False)


def test_bad_po_input_is_refused_and_nothing_changes(people: Any, opp: Opportunity) -> None:
    with pytest.raises(ValidationFailed, match="not both"):
        opportunity_po_record(opportunity_id=opp.pk, actor=people.rita, po_number="PO-1", no_po_required=True)
    with pytest.raises(ValidationFailed, match="at most 64"):
        opportunity_po_record(opportunity_id=opp.pk, actor=people.rita, po_number="P" * 65, no_po_required=False)
    with pytest.raises(Conflict):
        opportunity_po_record(
            opportunity_id=opp.pk, actor=people.rita, po_number="PO-1", no_po_required=False, expected_version=9
        )
    Opportunity.objects.filter(pk=opp.pk).update(stage=OpportunityStage.CLOSED_LOST)
    with pytest.raises(ValidationFailed, match="no longer changes"):
        opportunity_po_record(opportunity_id=opp.pk, actor=people.rita, po_number="PO-1", no_po_required=False)
    assert Opportunity.objects.get(pk=opp.pk).po_number == ""
    assert not AuditEvent.objects.filter(verb="crm.po_recorded").exists()


def test_the_opportunity_page_shows_and_records_the_po_and_the_account_team(people: Any, opp: Opportunity) -> None:
    c = _client(people, "rita")
    html = c.get(f"/crm/opportunities/{opp.pk}/").content.decode()
    assert 'id="po-form"' in html and "Closed Won of custom work needs a PO number" in html
    assert "Owner: " in html and "(alice)" in html and "(sam)" in html
    r = c.post(f"/crm/opportunities/{opp.pk}/po", {"po_number": "PO-778", "version": opp.version})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert '<dd id="po">PO-778</dd>' in page and "PO recorded: PO-778." in page
    c.post(f"/crm/opportunities/{opp.pk}/po", {"po_number": "", "no_po_required": "on"})
    assert '<dd id="po">no PO required</dd>' in c.get(f"/crm/opportunities/{opp.pk}/").content.decode()


def test_the_po_form_is_shown_only_to_those_who_may_use_it(people: Any, opp: Opportunity) -> None:
    assert 'id="po-form"' in _client(people, "alice").get(f"/crm/opportunities/{opp.pk}/").content.decode()
    assert 'id="po-form"' not in _client(people, "erin").get(f"/crm/opportunities/{opp.pk}/").content.decode()
    r = _client(people, "erin").post(f"/crm/opportunities/{opp.pk}/po", {"po_number": "PO-1"})
    assert r.status_code == 302 and Opportunity.objects.get(pk=opp.pk).po_number == ""
    assert _client(people, "olga").post(f"/crm/opportunities/{opp.pk}/po", {"po_number": "PO-1"}).status_code == 403


def test_the_api_records_the_po(people: Any, api: Any, opp: Opportunity, make_account: Any) -> None:
    url = f"/api/v1/crm/opportunities/{opp.pk}/po"
    r = api("rita").put(url, {"po_number": "PO-9", "expected_version": opp.version})
    assert r.status_code == 200 and (r.json()["po_number"], r.json()["no_po_required"]) == ("PO-9", False)
    assert api("rita").put(url, {"po_number": "PO-9", "no_po_required": True}).status_code == 422
    assert api("erin").put(url, {"no_po_required": True}).status_code == 403
    assert api("olga").put(url, {"no_po_required": True}).status_code == 403
    agency = make_account("Agency", pubsec=True)
    secret = Opportunity.objects.create(name="Agency PS", account=agency, owner=people.rita)
    assert api("rita").put(f"/api/v1/crm/opportunities/{secret.pk}/po", {"no_po_required": True}).status_code == 404
