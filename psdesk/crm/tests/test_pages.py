from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.crm.models import Opportunity

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_opportunity_pages_list_filter_and_show_history(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    c = _client(people.alice)
    assert opp.name in c.get("/crm/opportunities/?record_type=professional_services_only&open=1").content.decode()
    assert opp.name not in c.get("/crm/opportunities/?stage=closed_won").content.decode()
    r = c.post(
        f"/crm/opportunities/{opp.pk}/move", {"action": "forward_to_1_discovery", "version": opp.version}, follow=True
    )
    html = r.content.decode()
    assert "Moved to 1-Discovery." in html and "0-Pending Acceptance</td><td>1-Discovery" in html
    r = c.post(
        f"/crm/opportunities/{opp.pk}/move", {"action": "back_to_0_pending_acceptance", "reason": "x"}, follow=True
    )
    assert "permission" in r.content.decode()
    assert Opportunity.objects.get(pk=opp.pk).stage == "1_discovery"


def test_new_opportunity_form_refuses_a_missing_parent(people: Any, make_account: Any) -> None:
    acc = make_account("Hooli")
    r = _client(people.alice).post("/crm/opportunities/new/", {"account": acc.pk, "create": "1", "name": ""})
    assert r.status_code == 422 and "needs its parent license opportunity" in r.content.decode()
    assert not Opportunity.objects.exists()


def test_pubsec_pages_are_404_for_non_members(people: Any, make_account: Any, make_opportunity: Any) -> None:
    agency = make_account("Agency", pubsec=True)
    opp = make_opportunity(agency)
    for path in (f"/crm/accounts/{agency.pk}/", f"/crm/opportunities/{opp.pk}/"):
        assert _client(people.erin).get(path).status_code == 404
        assert _client(people.pat).get(path).status_code == 200
    assert "Agency" not in _client(people.erin).get("/crm/accounts/").content.decode()


def test_catalog_pages(people: Any) -> None:
    from psdesk.catalog.demo import catalog_seed

    catalog_seed()
    c = _client(people.tom)
    html = c.get("/catalog/?category=Education&maturity=Lovable").content.decode()
    assert "GL-BAS-R" in html and "GL-JIRA" not in html
    assert "Instructor-led Git" in c.get("/catalog/skus/GL-BAS/").content.decode()
    assert c.get("/catalog/skus/NOPE/").status_code == 404
