"""The calculator and SSOT pages as a person uses them: a brand-new customer with its opportunities,
every intake field (Timezone included), errors that name the field by its label and keep every value
typed, and the SSOT page's one form per service type."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.scoping.models import SsotRow

pytestmark = pytest.mark.django_db


def _client(people: Any, username: str) -> Client:
    c = Client()
    c.force_login(people[username])
    return c


NEW_CUSTOMER: dict[str, Any] = {
    "customer_mode": "new", "new_name": "Initrode", "new_segment": "Ent_EMEA", "new_country": "DE",
    "new_subdivision": "BY", "new_timezone": "Europe/Berlin",
    "opportunity_mode": "new", "new_opp_name": "", "new_opp_close_date": "2027-03-31",
    "parent_mode": "new", "new_parent_name": "Initrode - Ultimate", "new_parent_amount": "120000.00",
    "new_parent_close_date": "2027-03-31",
    "service_types": ["scm_migration"],
}  # fmt: skip
EVERY_INTAKE_INPUT: dict[str, str] = {
    "i__start_window_from": "2027-01-11", "i__start_window_to": "2027-02-26", "i__delivery_mode": "hybrid",
    "i__timezone": "Europe/Berlin", "i__pricing_model": "fixed_fee", "i__partner_staffing_allowed": "no",
    "i__skills_needed": "Geo, Congregate", "i__us_citizenship_required": "on", "i__clearance_required": "Secret",
    "i__security_requirements": "VPN and named accounts", "i__customer_readiness": "Hardware ordered",
    "i__contact_technical_name": "Ada Byron", "i__contact_technical_email": "ada@initrode.example",
    "i__contact_executive_name": "Grace Hopper", "i__contact_executive_email": "grace@initrode.example",
    "i__contact_signer_name": "Alan Turing", "i__contact_signer_email": "alan@initrode.example",
}  # fmt: skip
MIGRATION_ANSWERS: dict[str, Any] = {
    "a__scm_migration__source_scm": ["Bitbucket Server", "GitLab self-managed"],
    "a__scm_migration__destination": "GitLab.com SaaS",
    "a__scm_migration__users": "1000",
    "a__scm_migration__repositories": "1234",
    "a__scm_migration__reorganisation": "no",
}


def _post(c: Client, step: str, data: dict[str, Any], east: Any) -> Any:
    return c.post("/scoping/calculator/", {"step": step, **data, "new_territory": east.territory_id})


def test_step_one_asks_for_the_customer_and_the_opportunity(people: Any, east: Any) -> None:
    html = _client(people, "sam").get("/scoping/calculator/").content.decode()
    names = "new_name new_segment new_territory new_country new_subdivision new_timezone pubsec opportunity_id"
    names += " new_opp_name parent_id new_parent_name new_parent_amount"
    for name in names.split():
        assert f'name="{name}"' in html, name
    assert '<option value="Europe/Berlin"' in html


def test_sam_creates_a_brand_new_customer_with_every_intake_field_through_the_pages(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    step2 = _post(c, "1", NEW_CUSTOMER, east)
    assert step2.status_code == 200
    html = step2.content.decode()
    assert "new account Initrode" in html and "new licence opportunity Initrode - Ultimate" in html
    assert Account.objects.filter(name="Initrode").count() == 0  # step one writes nothing
    r = _post(c, "2", {**NEW_CUSTOMER, **MIGRATION_ANSWERS, **EVERY_INTAKE_INPUT}, east)
    assert r.status_code == 302, r.content.decode()[:3000]
    eng = Engagement.objects.get()
    assert (eng.account.name, eng.account.timezone, eng.account.subdivision) == ("Initrode", "Europe/Berlin", "BY")
    assert eng.opportunity is not None and eng.opportunity.parent is not None
    assert eng.opportunity.parent.name == "Initrode - Ultimate"
    row = SsotRow.objects.get(engagement=eng, key="source_scm")
    assert row.response == "Bitbucket Server, GitLab self-managed"
    intake = SchedulingIntake.objects.get(engagement=eng)
    assert intake.timezone == "Europe/Berlin"
    assert intake.skills_needed == ["Geo", "Congregate"]
    assert [(c["role"], c["name"], c["email"]) for c in intake.contacts] == [
        ("technical", "Ada Byron", "ada@initrode.example"),
        ("executive", "Grace Hopper", "grace@initrode.example"),
        ("signer", "Alan Turing", "alan@initrode.example"),
    ]
    assert (intake.delivery_mode, intake.pricing_model, intake.partner_staffing_allowed) == (
        "hybrid",
        "fixed_fee",
        False,
    )
    assert (intake.us_citizenship_required, intake.clearance_required, intake.customer_readiness) == (
        True, "Secret", "Hardware ordered",
    )  # fmt: skip
    assert (str(intake.start_window_from), str(intake.start_window_to)) == ("2027-01-11", "2027-02-26")
    page = c.get(r["Location"]).content.decode()
    assert eng.opportunity.name in page


def test_an_error_names_the_field_by_its_label_and_keeps_every_value_typed(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    bad = {**MIGRATION_ANSWERS, "a__scm_migration__users": "lots"}
    r = _post(c, "2", {**NEW_CUSTOMER, **bad, **EVERY_INTAKE_INPUT}, east)
    assert r.status_code == 422
    html = r.content.decode()
    assert "Total users to migrate: expects a number, got &#x27;lots&#x27;" in html
    assert "answers.scm_migration" not in html
    assert 'aria-invalid="true" aria-describedby="a__scm_migration__users-error"' in html
    assert 'value="Bitbucket Server" checked' in html and 'value="GitLab self-managed" checked' in html
    assert '<option value="GitLab.com SaaS" selected>' in html
    assert 'value="1234"' in html and 'value="no" checked' in html
    for name, value in EVERY_INTAKE_INPUT.items():
        if name in ("i__delivery_mode", "i__timezone", "i__pricing_model", "i__partner_staffing_allowed"):
            assert re.search(rf'name="{name}".*?<option value="{value}" selected>', html, re.S), name
        elif name == "i__us_citizenship_required":
            assert 'id="i__us_citizenship_required" checked' in html
        elif name == "i__customer_readiness":
            assert ">Hardware ordered</textarea>" in html
        else:
            assert f'value="{value}"' in html, name
    assert Engagement.objects.count() == 0 and Account.objects.filter(name="Initrode").count() == 0


def test_a_bad_intake_timezone_is_an_error_on_the_page_not_a_500(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    r = _post(c, "2", {**NEW_CUSTOMER, "i__timezone": "Mars/Olympus"}, east)
    assert r.status_code == 422
    assert "Timezone: unknown timezone &#x27;Mars/Olympus&#x27;" in r.content.decode()


def test_step_one_refuses_a_missing_parent_and_an_existing_account_name(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    r = _post(c, "1", {**NEW_CUSTOMER, "parent_mode": "existing", "parent_id": ""}, east)
    assert r.status_code == 422 and "Parent licence opportunity: choose one" in r.content.decode()
    r = _post(c, "1", {**NEW_CUSTOMER, "new_name": "acme corp"}, east)
    html = r.content.decode()
    assert r.status_code == 422 and "Account name: an account named &#x27;Acme Corp&#x27; exists" in html
    assert (
        'value="Initrode - Ultimate"'
        in _post(c, "1", {**NEW_CUSTOMER, "new_country": "Germany"}, east).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "status"), [("sam", 200), ("alice", 200), ("erin", 200), ("olga", 403), ("tom", 403), ("cody", 403)]
)
def test_the_calculator_page_per_role(people: Any, who: str, status: int) -> None:
    assert _client(people, who).get("/scoping/calculator/").status_code == status


def test_pubsec_opportunities_are_not_offered_to_non_members(people: Any, make_account: Any) -> None:
    agency = make_account("Agency", pubsec=True, em=people.pat)
    Opportunity.objects.create(name="Agency PS secret", account=agency)
    assert "Agency PS secret" not in _client(people, "sam").get("/scoping/calculator/").content.decode()
    assert "Agency PS secret" in _client(people, "pat").get("/scoping/calculator/").content.decode()


# --- the SSOT page -----------------------------------------------------------------------------


@pytest.fixture
def combined(people: Any, east: Any, submit: Any) -> Engagement:
    eng: Engagement = submit(account_id=east.pk, service_types=["implementation", "scm_migration"]).engagement
    return eng


def test_the_ssot_page_has_one_form_and_one_save_per_service_type(people: Any, combined: Engagement) -> None:
    html = _client(people, "erin").get(f"/scoping/engagements/{combined.pk}/").content.decode()
    assert html.count('class="ssot-save"') == 2
    assert html.count('<form method="post" action="/scoping/engagements/') == 3  # two SSOT forms + the intake
    rows = {r.key: r for r in SsotRow.objects.filter(engagement=combined)}
    assert f'<select name="r__{rows["destination"].pk}"' in html
    assert f'<input type="checkbox" name="r__{rows["source_scm"].pk}" value="SVN"' in html
    assert f'<input type="radio" name="r__{rows["geo"].pk}" value="yes"' in html
    todo = re.findall(r'<tr id="row-\d+" data-key="([\w.]+)" class="required todo', html)
    assert "scm_migration.source_scm" in todo and "implementation.users" in todo


def test_saving_a_service_type_records_every_answer_at_once(people: Any, combined: Engagement) -> None:
    rows = {r.key: r for r in SsotRow.objects.filter(engagement=combined, service_type="scm_migration")}
    data: dict[str, Any] = {f"v__{r.pk}": str(r.version) for r in rows.values()}
    data[f"r__{rows['source_scm'].pk}"] = ["GitHub.com", "SVN"]
    data[f"r__{rows['destination'].pk}"] = "Dedicated"
    data[f"r__{rows['users'].pk}"] = "250"
    data[f"r__{rows['repositories'].pk}"] = "80"
    n = AuditEvent.objects.filter(verb="scoping.ssot_answered").count()
    r = _client(people, "erin").post(f"/scoping/engagements/{combined.pk}/ssot", data)
    assert r.status_code == 200
    assert "Saved 4 answers." in r.content.decode()
    assert SsotRow.objects.get(pk=rows["source_scm"].pk).response == "GitHub.com, SVN"
    assert AuditEvent.objects.filter(verb="scoping.ssot_answered").count() == n + 4
    html = r.content.decode()
    todo = re.findall(r'data-key="([\w.]+)" class="required todo', html)
    assert "scm_migration.source_scm" not in todo and "implementation.users" in todo


def test_a_bad_answer_on_the_ssot_page_saves_nothing_and_keeps_what_was_typed(
    people: Any, combined: Engagement
) -> None:
    rows = {r.key: r for r in SsotRow.objects.filter(engagement=combined, service_type="scm_migration")}
    data: dict[str, Any] = {f"v__{r.pk}": str(r.version) for r in rows.values()}
    data[f"r__{rows['users'].pk}"] = "-3"
    data[f"r__{rows['repositories'].pk}"] = "80"
    data[f"r__{rows['source_scm'].pk}"] = ["SVN"]
    r = _client(people, "erin").post(f"/scoping/engagements/{combined.pk}/ssot", data)
    assert r.status_code == 422
    html = r.content.decode()
    assert "Total users to migrate: must not be negative" in html
    assert f'name="r__{rows["repositories"].pk}" id="r__{rows["repositories"].pk}" value="80"' in html
    assert 'value="SVN" checked' in html
    assert SsotRow.objects.get(pk=rows["repositories"].pk).response == "to-do"


@pytest.mark.parametrize(
    ("who", "status"), [("erin", 200), ("sam", 200), ("oscar", 200), ("tara", 403), ("olga", 403), ("tom", 403)]
)
def test_saving_ssot_answers_per_role(people: Any, combined: Engagement, who: str, status: int) -> None:
    row = SsotRow.objects.get(engagement=combined, key="users", service_type="implementation")
    r = _client(people, who).post(
        f"/scoping/engagements/{combined.pk}/ssot", {f"r__{row.pk}": "10", f"v__{row.pk}": "0"}
    )
    assert r.status_code == status
    assert SsotRow.objects.get(pk=row.pk).response == ("10" if status == 200 else "to-do")


def test_the_ssot_page_of_a_pubsec_engagement_is_404_for_non_members(
    people: Any, make_account: Any, submit: Any
) -> None:
    eng = submit("pat", account_id=make_account("Agency", pubsec=True, em=people.pat).pk).engagement
    row = SsotRow.objects.filter(engagement=eng).first()
    assert row is not None
    assert (
        _client(people, "erin")
        .post(f"/scoping/engagements/{eng.pk}/ssot", {f"r__{row.pk}": "1", f"v__{row.pk}": "0"})
        .status_code
        == 404
    )
    assert _client(people, "pat").get(f"/scoping/engagements/{eng.pk}/").status_code == 200


def test_the_intake_form_keeps_typed_values_after_an_error(people: Any, combined: Engagement) -> None:
    intake = SchedulingIntake.objects.get(engagement=combined)
    data = {**EVERY_INTAKE_INPUT, "i__start_window_to": "2026-12-01", "version": str(intake.version)}
    r = _client(people, "erin").post(f"/scoping/engagements/{combined.pk}/intake", data)
    assert r.status_code == 422
    html = r.content.decode()
    assert "Desired start to: the start window ends before it begins" in html
    assert 'value="Ada Byron"' in html and 'value="Geo, Congregate"' in html
    ok = _client(people, "erin").post(
        f"/scoping/engagements/{combined.pk}/intake", {**data, "i__start_window_to": "2027-02-26"}
    )
    assert ok.status_code == 302
    intake.refresh_from_db()
    assert (intake.timezone, intake.skills_needed, len(intake.contacts)) == ("Europe/Berlin", ["Geo", "Congregate"], 3)


def test_the_api_saves_a_batch_and_names_bad_rows(people: Any, api: Any, combined: Engagement) -> None:
    rows = {r.key: r for r in SsotRow.objects.filter(engagement=combined, service_type="scm_migration")}
    url = f"/api/v1/scoping/engagements/{combined.pk}/ssot"
    bad = api("erin").patch(url, {"answers": [{"row_id": rows["source_scm"].pk, "response": "CVS"}]})
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("Source SCM system(s): 'CVS' is not one of")
    assert bad.json()["details"]["errors"] == {f"rows.{rows['source_scm'].pk}": bad.json()["message"]}
    batch = [
        {"row_id": rows["source_scm"].pk, "response": "SVN", "expected_version": 0},
        {"row_id": rows["users"].pk, "response": 40},
    ]
    ok = api("erin").patch(url, {"answers": batch})
    assert ok.status_code == 200 and [r["response"] for r in ok.json()["changed"]] == ["SVN", "40"]
    stale = api("erin").patch(
        url, {"answers": [{"row_id": rows["source_scm"].pk, "response": "GitHub.com", "expected_version": 0}]}
    )
    assert stale.status_code == 409 and stale.json()["details"]["rows"] == [rows["source_scm"].pk]
    assert api("olga").patch(url, {"answers": [{"row_id": rows["users"].pk, "response": 1}]}).status_code == 403
