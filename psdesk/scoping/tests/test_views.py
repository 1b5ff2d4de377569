"""Scoping pages: the two-step calculator, the engagement's SSOT page with diff, Ask PS."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.engagements.models import Engagement
from psdesk.scoping.models import ServiceType, SsotRow

pytestmark = pytest.mark.django_db


def _client(people: Any, username: str) -> Client:
    c = Client()
    c.force_login(people[username])
    return c


def _ps_opportunity(account: Any) -> Any:
    from psdesk.crm.choices import RecordType
    from psdesk.crm.models import Opportunity

    lic = Opportunity.objects.create(name=f"{account.name} licence", account=account, record_type=RecordType.LICENSE)
    return Opportunity.objects.create(name=f"{account.name} PS", account=account, parent=lic)


def test_every_questionnaire_renders_in_step_two(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    keys = list(ServiceType.objects.values_list("key", flat=True))
    opp = _ps_opportunity(east)
    r = c.post(
        "/scoping/calculator/",
        {
            "step": "1",
            "customer_mode": "existing",
            "account_id": east.pk,
            "opportunity_id": opp.pk,
            "service_types": keys,
        },
    )
    assert r.status_code == 200
    html = r.content.decode()
    for st in ServiceType.objects.prefetch_related("questions"):
        assert f'data-service-type="{st.key}"' in html
        for q in st.questions.all():
            assert f'name="a__{st.key}__{q.key}"' in html
            if q.answer_type == "choice" and q.multiple:
                for choice in q.choices:
                    assert f'<input type="checkbox" name="a__{st.key}__{q.key}" value="{choice}"' in html
            elif q.answer_type == "choice":
                assert f'<select name="a__{st.key}__{q.key}"' in html
            elif q.answer_type == "yes_no":
                assert f'<input type="radio" name="a__{st.key}__{q.key}" value="yes"' in html
    assert "<strong>Expected users at full rollout</strong>" in html


def test_the_calculator_creates_the_engagement_and_shows_its_scoping_page(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    assert c.get("/scoping/calculator/").status_code == 200
    opp = _ps_opportunity(east)
    r = c.post(
        "/scoping/calculator/",
        {
            "step": "2", "customer_mode": "existing", "account_id": east.pk, "opportunity_id": opp.pk,
            "service_types": ["implementation"],
            "a__implementation__users": "3250", "a__implementation__geo": "yes", "a__implementation__integrations": "3",
            "i__pricing_model": "fixed_fee", "i__contact_technical_name": "Ada",
        },
    )  # fmt: skip
    eng = Engagement.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/scoping/engagements/{eng.pk}/"
    assert eng.opportunity_id == opp.pk
    page = c.get(r["Location"]).content.decode()
    assert "+24 h because integrations = 3 (8 h each)" in page
    assert "+40 h because geo = yes" in page
    assert eng.scheduling_intake.contacts == [{"role": "technical", "name": "Ada", "email": "", "phone": ""}]


def test_a_wrong_answer_is_shown_on_step_two_and_nothing_is_created(people: Any, east: Any) -> None:
    c = _client(people, "sam")
    r = c.post(
        "/scoping/calculator/",
        {"step": "2", "customer_mode": "existing", "account_id": east.pk, "opportunity_id": _ps_opportunity(east).pk,
         "service_types": ["implementation"], "a__implementation__users": "-4"},
    )  # fmt: skip
    assert r.status_code == 422
    assert "Expected users at full rollout: must not be negative" in r.content.decode()
    assert Engagement.objects.count() == 0


def test_editing_an_answer_on_the_page_shows_the_estimate_diff(people: Any, east: Any, submit: Any) -> None:
    eng = submit(account_id=east.pk, answers={"implementation": {"integrations": 3}}).engagement
    row = SsotRow.objects.get(engagement=eng, key="integrations")
    c = _client(people, "erin")
    r = c.post(f"/scoping/engagements/{eng.pk}/ssot", {f"r__{row.pk}": "5", f"v__{row.pk}": "0"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="estimate-diff"' in html and "+16 h" in html
    stale = c.post(f"/scoping/engagements/{eng.pk}/ssot", {f"r__{row.pk}": "6", f"v__{row.pk}": "0"})
    assert stale.status_code == 409


def test_the_scoping_page_is_404_for_pubsec_to_non_members(people: Any, make_account: Any, submit: Any) -> None:
    acc = make_account("Agency", pubsec=True, em=people.pat)
    eng = submit("pat", account_id=acc.pk).engagement
    assert _client(people, "erin").get(f"/scoping/engagements/{eng.pk}/").status_code == 404
    assert _client(people, "pat").get(f"/scoping/engagements/{eng.pk}/").status_code == 200


def test_ask_ps_page_routes_and_pubsec_access_can_be_requested_and_granted(people: Any, east: Any) -> None:
    c = _client(people, "tom")
    r = c.post("/scoping/ask/", {"kind": "account", "account_id": east.pk, "subject": "Help", "body": "Scope?"})
    assert r.status_code == 302
    c.post("/scoping/pubsec-access/request", {"justification": "agency work"})
    ops = _client(people, "oscar")
    page = ops.get("/scoping/pubsec-access/")
    assert page.status_code == 200 and "agency work" in page.content.decode()
    assert _client(people, "erin").get("/scoping/pubsec-access/").status_code == 403
