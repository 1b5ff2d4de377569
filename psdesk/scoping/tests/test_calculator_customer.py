"""The calculator's customer and opportunity: an existing account or a new one, an existing PS-only
opportunity or a new one with its parent licence opportunity chosen or created on the spot — all in
the submission's one transaction, audited, the engagement linked to its opportunity from birth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.scoping.services import NewCustomer, NewLicenseOpportunity, NewOpportunity

pytestmark = pytest.mark.django_db

EVERY_INTAKE_FIELD: dict[str, Any] = {
    "contacts": [
        {"role": "technical", "name": "Ada Byron", "email": "ada@initrode.example"},
        {"role": "executive", "name": "Grace Hopper", "email": "grace@initrode.example"},
        {"role": "signer", "name": "Alan Turing", "email": "alan@initrode.example"},
    ],
    "skills_needed": ["Geo", "Congregate"],
    "start_window_from": "2027-01-11",
    "start_window_to": "2027-02-26",
    "delivery_mode": "hybrid",
    "timezone": "Europe/Berlin",
    "security_requirements": "VPN and named accounts",
    "us_citizenship_required": True,
    "clearance_required": "Secret",
    "pricing_model": "fixed_fee",
    "partner_staffing_allowed": False,
    "sow_po_number": "PO-SOW-1",
    "customer_readiness": "Hardware ordered",
}


def _counts() -> tuple[int, ...]:
    return (
        Account.objects.count(),
        Opportunity.objects.count(),
        Engagement.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_brand_new_customer_gets_account_ps_opportunity_and_parent_licence_in_one_submission(
    people: Any, submit: Any, east: Any, frozen_clock: Any
) -> None:
    result = submit(
        new_customer=NewCustomer(
            name="Initrode", territory_id=east.territory_id, segment="Ent_EMEA", country="de", subdivision="by",
            timezone="Europe/Berlin",
        ),
        new_opportunity=NewOpportunity(
            close_date=date(2027, 3, 31),
            new_parent=NewLicenseOpportunity(name="Initrode - Ultimate", amount=Decimal("120000.00")),
        ),
        intake=EVERY_INTAKE_FIELD,
    )  # fmt: skip
    eng = result.engagement
    acc = eng.account
    assert (acc.name, acc.segment, acc.country, acc.subdivision, acc.timezone, acc.territory_id) == (
        "Initrode", "Ent_EMEA", "DE", "BY", "Europe/Berlin", east.territory_id,
    )  # fmt: skip
    opp = eng.opportunity
    assert opp is not None
    assert (opp.name, opp.record_type, opp.stage, opp.close_date) == (
        "Initrode- Professional Services 11/26",
        RecordType.PS_ONLY,
        OpportunityStage.PENDING_ACCEPTANCE,
        date(2027, 3, 31),
    )
    parent = opp.parent
    assert parent is not None
    assert (parent.name, parent.record_type, parent.amount, parent.account_id) == (
        "Initrode - Ultimate",
        RecordType.LICENSE,
        Decimal("120000.00"),
        acc.pk,
    )
    assert opp.engagement_manager == people.erin and eng.em == people.erin
    assert list(opp.account_team.all()) == [people.sam]
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs[:3] == ["crm.account_created", "crm.opportunity_created", "crm.opportunity_created"]
    assert "scoping.request_submitted" in verbs
    submitted = AuditEvent.objects.get(verb="scoping.request_submitted")
    assert submitted.after["opportunity"] == opp.pk


def test_every_intake_field_is_stored_timezone_included(people: Any, submit: Any, east: Any) -> None:
    eng = submit(account_id=east.pk, intake=EVERY_INTAKE_FIELD).engagement
    intake = SchedulingIntake.objects.get(engagement=eng)
    assert intake.timezone == "Europe/Berlin"  # the SA's choice, not the account's America/New_York
    assert [c["name"] for c in intake.contacts] == ["Ada Byron", "Grace Hopper", "Alan Turing"]
    assert intake.skills_needed == ["Geo", "Congregate"]
    assert (intake.start_window_from, intake.start_window_to) == (date(2027, 1, 11), date(2027, 2, 26))
    assert (intake.delivery_mode, intake.pricing_model, intake.partner_staffing_allowed) == (
        "hybrid", "fixed_fee", False,
    )  # fmt: skip
    assert (intake.security_requirements, intake.us_citizenship_required, intake.clearance_required) == (
        "VPN and named accounts", True, "Secret",
    )  # fmt: skip
    assert (intake.sow_po_number, intake.customer_readiness) == ("PO-SOW-1", "Hardware ordered")


def test_without_a_timezone_the_intake_starts_from_the_accounts(people: Any, submit: Any, east: Any) -> None:
    east.timezone = "America/Chicago"
    east.save()
    eng = submit(account_id=east.pk, intake={"pricing_model": "fixed_fee"}).engagement
    assert SchedulingIntake.objects.get(engagement=eng).timezone == "America/Chicago"


def test_an_existing_account_gets_a_new_ps_opportunity_under_its_licence_opportunity(
    people: Any, submit: Any, east: Any
) -> None:
    east.owner = people.alice
    east.save()
    lic = Opportunity.objects.create(name="Acme licence", account=east, record_type=RecordType.LICENSE)
    eng = submit(
        account_id=east.pk, new_opportunity=NewOpportunity(name="Acme PS phase 2", parent_id=lic.pk)
    ).engagement
    opp = eng.opportunity
    assert (opp.name, opp.parent_id, opp.owner) == ("Acme PS phase 2", lic.pk, people.alice)
    assert set(opp.account_team.all()) == {people.sam, people.alice}
    assert Opportunity.objects.filter(account=east).count() == 2


def test_an_existing_ps_opportunity_is_linked_from_birth(people: Any, submit: Any, east: Any) -> None:
    lic = Opportunity.objects.create(name="Acme licence", account=east, record_type=RecordType.LICENSE)
    ps = Opportunity.objects.create(name="Acme PS", account=east, parent=lic)
    eng = submit(account_id=east.pk, opportunity_id=ps.pk).engagement
    assert eng.opportunity_id == ps.pk
    assert Opportunity.objects.count() == 2


@pytest.mark.parametrize(
    ("choice", "field", "message"),
    [
        ({"opportunity_id": "licence"}, "opportunity_id", "Professional Services Only"),
        ({"opportunity_id": "closed"}, "opportunity_id", "Closed Won"),
        ({"new_opportunity": NewOpportunity()}, "new_opportunity.parent_id", "Parent licence opportunity"),
        ({"new_opportunity": "parent-is-ps"}, "new_opportunity.parent_id", "choose a licence opportunity"),
        ({"new_opportunity": "other-account"}, "new_opportunity.parent_id", "belongs to another account"),
        ({"opportunity_id": "ps", "new_opportunity": "licence"}, "opportunity", "not both"),
    ],
)
def test_a_wrong_opportunity_choice_is_refused_and_nothing_is_written(
    people: Any, submit: Any, east: Any, make_account: Any, choice: dict[str, Any], field: str, message: str
) -> None:
    lic = Opportunity.objects.create(name="Acme licence", account=east, record_type=RecordType.LICENSE)
    ps = Opportunity.objects.create(name="Acme PS", account=east, parent=lic)
    won = Opportunity.objects.create(name="Acme won", account=east, parent=lic, stage=OpportunityStage.CLOSED_WON)
    other = Opportunity.objects.create(name="Other", account=make_account("Other Co"), record_type=RecordType.LICENSE)
    ids = {"licence": lic.pk, "closed": won.pk, "ps": ps.pk}
    news = {
        "parent-is-ps": NewOpportunity(parent_id=ps.pk),
        "other-account": NewOpportunity(parent_id=other.pk),
        "licence": NewOpportunity(parent_id=lic.pk),
    }
    kw = {k: (ids[v] if k == "opportunity_id" else news[v]) if isinstance(v, str) else v for k, v in choice.items()}
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        submit(account_id=east.pk, **kw)
    assert exc.value.details["field"] == field and message in exc.value.message
    assert _counts() == before


def test_a_new_customer_cannot_use_another_accounts_parent(people: Any, submit: Any, east: Any) -> None:
    lic = Opportunity.objects.create(name="Acme licence", account=east, record_type=RecordType.LICENSE)
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        submit(new_customer=NewCustomer(name="Initrode"), new_opportunity=NewOpportunity(parent_id=lic.pk))
    assert exc.value.details["field"] == "new_opportunity.parent_id"
    assert _counts() == before


@pytest.mark.parametrize(
    ("customer", "field", "label"),
    [
        (NewCustomer(name="Initrode", timezone="Mars/Olympus"), "new_customer.timezone", "Timezone: "),
        (NewCustomer(name="Initrode", segment="Galactic"), "new_customer.segment", "Segment: "),
        (NewCustomer(name="Initrode", country="Germany"), "new_customer.country", "Country: "),
        (NewCustomer(name="Initrode", territory_id=999_999), "new_customer.territory_id", "Territory: "),
        (NewCustomer(name="acme corp"), "new_customer.name", "Account name: "),
    ],
)
def test_a_bad_new_customer_names_the_field_by_its_label_and_writes_nothing(
    people: Any, submit: Any, east: Any, customer: NewCustomer, field: str, label: str
) -> None:
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        submit(new_customer=customer, new_opportunity=NewOpportunity(new_parent=NewLicenseOpportunity()))
    assert exc.value.details["field"] == field and exc.value.message.startswith(label)
    assert _counts() == before


def test_a_failure_late_in_the_submission_leaves_no_account_or_opportunity(
    people: Any, submit: Any, monkeypatch: Any
) -> None:
    before = _counts()

    def boom(*a: Any, **kw: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SchedulingIntake.objects, "create", boom)
    with pytest.raises(RuntimeError):
        submit(
            new_customer=NewCustomer(name="Initrode"),
            new_opportunity=NewOpportunity(new_parent=NewLicenseOpportunity()),
        )
    assert _counts() == before


def test_pubsec_opportunities_are_not_found_for_non_members(people: Any, submit: Any, make_account: Any) -> None:
    agency = make_account("Agency", pubsec=True, em=people.pat)
    lic = Opportunity.objects.create(name="Agency licence", account=agency, record_type=RecordType.LICENSE)
    with pytest.raises(NotFound):
        submit("sam", account_id=agency.pk, new_opportunity=NewOpportunity(parent_id=lic.pk))
    eng = submit("pat", account_id=agency.pk, new_opportunity=NewOpportunity(parent_id=lic.pk)).engagement
    assert eng.opportunity is not None and eng.opportunity.parent_id == lic.pk


def test_a_new_pubsec_customer_needs_membership(people: Any, submit: Any) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        submit("sam", new_customer=NewCustomer(name="Agency"), us_public_sector=True)
    assert _counts() == before
    eng = submit("pat", new_customer=NewCustomer(name="Agency"), us_public_sector=True).engagement
    assert (eng.account.us_public_sector, eng.account.segment) == (True, "PubSec")


def test_the_api_creates_a_brand_new_customer_with_its_opportunities(people: Any, api: Any, east: Any) -> None:
    r = api("sam").post(
        "/api/v1/scoping/requests",
        {
            "new_customer": {"name": "Initrode", "territory_id": east.territory_id, "country": "DE",
                             "subdivision": "BE", "timezone": "Europe/Berlin", "segment": "Ent_EMEA"},
            "new_opportunity": {"new_parent": {"name": "Initrode licence", "amount": "5000.00"}},
            "service_types": ["implementation"],
            "intake": {"timezone": "Europe/Berlin", "skills_needed": ["Geo"]},
        },
    )  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    opp = Opportunity.objects.get(pk=body["opportunity_id"])
    assert opp.parent is not None
    assert (opp.account_id, opp.parent.name, opp.parent.amount) == (
        body["account_id"],
        "Initrode licence",
        Decimal("5000.00"),
    )


def test_the_api_names_a_bad_field_by_its_label(people: Any, api: Any, east: Any) -> None:
    r = api("sam").post(
        "/api/v1/scoping/requests",
        {
            "account_id": east.pk,
            "service_types": ["scm_migration"],
            "answers": {"scm_migration": {"source_scm": "CVS"}},
        },
    )
    assert r.status_code == 422
    body = r.json()
    assert body["message"].startswith("Source SCM system(s): 'CVS' is not one of")
    assert "answers." not in body["message"]
    assert body["details"]["field"] == "answers.scm_migration.source_scm"
    r = api("sam").post(
        "/api/v1/scoping/requests",
        {"account_id": east.pk, "service_types": ["implementation"], "intake": {"timezone": "Mars/Olympus"}},
    )
    assert r.status_code == 422 and r.json()["message"] == "Timezone: unknown timezone 'Mars/Olympus'"


@pytest.mark.parametrize("who", ["olga", "tom", "lena", "cody"])
def test_the_api_refuses_roles_without_the_calculator(people: Any, api: Any, east: Any, who: str) -> None:
    before = _counts()
    r = api(who).post(
        "/api/v1/scoping/requests",
        {
            "new_customer": {"name": "Initrode"},
            "new_opportunity": {"new_parent": {}},
            "service_types": ["implementation"],
        },
    )
    assert r.status_code == 403 and _counts() == before
