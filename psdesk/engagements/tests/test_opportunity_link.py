"""The engagement ↔ opportunity link: shown and changed on the card, the opportunity page, the API
and the admin, through one audited service."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_opportunity_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(people: Any, make_account: Any) -> Any:
    return make_account("Acme Corp", em=people.erin)


def _opps(account: Any) -> tuple[Opportunity, Opportunity]:
    lic = Opportunity.objects.create(name=f"{account.name} licence", account=account, record_type=RecordType.LICENSE)
    return Opportunity.objects.create(
        name=f"{account.name} PS 1", account=account, parent=lic
    ), Opportunity.objects.create(name=f"{account.name} PS 2", account=account, parent=lic)


def _client(people: Any, username: str) -> Client:
    c = Client()
    c.force_login(people[username])
    return c


def test_an_em_moves_an_engagement_to_another_opportunity_with_an_audit_row(
    people: Any, acme: Any, make_engagement: Any
) -> None:
    first, second = _opps(acme)
    eng = make_engagement(acme, opportunity=first)
    moved = engagement_opportunity_link(
        engagement_id=eng.pk, opportunity_id=second.pk, actor=people.erin, expected_version=eng.version
    )
    assert moved.opportunity_id == second.pk and moved.version == eng.version + 1
    ev = AuditEvent.objects.get(verb="engagements.opportunity_linked")
    assert (ev.before, ev.after) == ({"opportunity": first.pk}, {"opportunity": second.pk, "name": "Acme Corp PS 2"})
    again = engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=second.pk, actor=people.erin)
    assert again.version == moved.version  # no change, no audit row
    assert AuditEvent.objects.filter(verb="engagements.opportunity_linked").count() == 1


@pytest.mark.parametrize("who", ["alice", "erin", "rita", "oscar", "mona"])
def test_roles_that_may_link(people: Any, acme: Any, make_engagement: Any, who: str) -> None:
    first, _ = _opps(acme)
    eng = make_engagement(acme)
    assert (
        engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=first.pk, actor=people[who]).opportunity_id
        == first.pk
    )


@pytest.mark.parametrize("who", ["sam", "tara", "leo", "paula", "cody", "tom", "olga"])
def test_roles_that_may_not_link(people: Any, acme: Any, make_engagement: Any, who: str) -> None:
    first, _ = _opps(acme)
    eng = make_engagement(acme)
    with pytest.raises(PermissionDenied):
        engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=first.pk, actor=people[who])
    assert Engagement.objects.get(pk=eng.pk).opportunity_id is None
    assert not AuditEvent.objects.filter(verb="engagements.opportunity_linked").exists()


def test_refusals_change_nothing(people: Any, acme: Any, make_account: Any, make_engagement: Any) -> None:
    first, second = _opps(acme)
    other, _ = _opps(make_account("Other Co"))
    won = Opportunity.objects.create(name="won", account=acme, parent=first.parent, stage=OpportunityStage.CLOSED_WON)
    eng = make_engagement(acme, opportunity=first)
    for opp_id, error in ((other.pk, ValidationFailed), (won.pk, ValidationFailed), (999_999, NotFound)):
        with pytest.raises(error):
            engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=opp_id, actor=people.erin)
    with pytest.raises(Conflict):
        engagement_opportunity_link(
            engagement_id=eng.pk, opportunity_id=second.pk, actor=people.erin, expected_version=99
        )
    closed = make_engagement(acme, opportunity=first, path=("close_lost",))
    with pytest.raises(ValidationFailed, match="no longer changes"):
        engagement_opportunity_link(engagement_id=closed.pk, opportunity_id=second.pk, actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).opportunity_id == first.pk
    assert not AuditEvent.objects.filter(verb="engagements.opportunity_linked").exists()


def test_pubsec_engagements_and_opportunities_are_not_found_for_non_members(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    agency = make_account("Agency", pubsec=True, em=people.pat)
    first, _ = _opps(agency)
    eng = make_engagement(agency, em="pat")
    with pytest.raises(NotFound):
        engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=first.pk, actor=people.erin)
    assert (
        engagement_opportunity_link(engagement_id=eng.pk, opportunity_id=first.pk, actor=people.pat).opportunity_id
        == first.pk
    )


def test_the_card_shows_the_opportunity_and_changes_it(people: Any, acme: Any, make_engagement: Any) -> None:
    first, second = _opps(acme)
    eng = make_engagement(acme, opportunity=first)
    c = _client(people, "erin")
    html = c.get(f"/engagements/{eng.pk}/").content.decode()
    assert f'<a href="/crm/opportunities/{first.pk}/" id="engagement-opportunity">Acme Corp PS 1</a>' in html
    form = html.split('id="opportunity-link-form"')[1].split("</form>")[0]
    assert "Acme Corp PS 2" in form and "Acme Corp licence" not in form  # PS opportunities are offered
    r = c.post(
        "/engagements/opportunity-link",
        {
            "engagement_id": eng.pk,
            "opportunity_id": second.pk,
            "version": eng.version,
            "next": f"/engagements/{eng.pk}/",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/engagements/{eng.pk}/"
    assert Engagement.objects.get(pk=eng.pk).opportunity_id == second.pk
    assert 'id="opportunity-link-form"' not in _client(people, "tara").get(f"/engagements/{eng.pk}/").content.decode()


def test_the_link_form_refuses_with_a_message_and_an_unsafe_next_is_ignored(
    people: Any, acme: Any, make_account: Any, make_engagement: Any
) -> None:
    first, _ = _opps(acme)
    other, _ = _opps(make_account("Other Co"))
    eng = make_engagement(acme, opportunity=first)
    c = _client(people, "erin")
    r = c.post(
        "/engagements/opportunity-link",
        {"engagement_id": eng.pk, "opportunity_id": other.pk, "next": "https://evil.example/"},
    )
    assert r.status_code == 302 and r["Location"] == f"/engagements/{eng.pk}/"
    assert "belongs to Other Co" in c.get(r["Location"]).content.decode()
    assert _client(people, "olga").post("/engagements/opportunity-link", {"engagement_id": eng.pk}).status_code == 403


def test_the_opportunity_page_lists_its_engagements_and_links_another(
    people: Any, acme: Any, make_engagement: Any
) -> None:
    first, second = _opps(acme)
    on_first = make_engagement(acme, opportunity=first, title="Phase 1")
    loose = make_engagement(acme, title="Phase 2")
    c = _client(people, "rita")
    html = c.get(f"/crm/opportunities/{first.pk}/").content.decode()
    assert f'<a href="/engagements/{on_first.pk}/">Phase 1</a>' in html
    assert f'<option value="{loose.pk}">Phase 2' in html
    r = c.post(
        "/engagements/opportunity-link",
        {"engagement_id": loose.pk, "opportunity_id": first.pk, "next": f"/crm/opportunities/{first.pk}/"},
    )
    assert r["Location"] == f"/crm/opportunities/{first.pk}/"
    assert Engagement.objects.get(pk=loose.pk).opportunity_id == first.pk
    assert (
        'id="link-engagement-form"'
        not in _client(people, "leo").get(f"/crm/opportunities/{second.pk}/").content.decode()
    )


def test_the_api_links_with_the_same_rules(
    people: Any, api: Any, acme: Any, make_account: Any, make_engagement: Any
) -> None:
    first, second = _opps(acme)
    eng = make_engagement(acme, opportunity=first)
    url = f"/api/v1/engagements/{eng.pk}/opportunity"
    r = api("erin").put(url, {"opportunity_id": second.pk, "expected_version": eng.version})
    assert r.status_code == 200
    assert r.json() == {
        "engagement_id": eng.pk,
        "opportunity_id": second.pk,
        "opportunity_name": "Acme Corp PS 2",
        "version": eng.version + 1,
    }
    assert api("erin").put(url, {"opportunity_id": first.pk, "expected_version": 0}).status_code == 409
    other, _ = _opps(make_account("Other Co"))
    bad = api("erin").put(url, {"opportunity_id": other.pk})
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "opportunity_id"
    assert api("olga").put(url, {"opportunity_id": first.pk}).status_code == 403
    assert api("tara").put(url, {"opportunity_id": first.pk}).status_code == 403
    agency_eng = make_engagement(make_account("Agency", pubsec=True, em=people.pat), em="pat")
    assert (
        api("erin").put(f"/api/v1/engagements/{agency_eng.pk}/opportunity", {"opportunity_id": None}).status_code == 404
    )


def test_the_admin_changes_the_link_through_the_service(
    people: Any, acme: Any, make_account: Any, make_engagement: Any
) -> None:
    first, second = _opps(acme)
    eng = make_engagement(acme, opportunity=first)
    oscar = people.oscar
    oscar.is_staff = True
    oscar.save()
    c = _client(people, "oscar")
    url = f"/admin/engagements/engagement/{eng.pk}/change/"
    page = c.get(url)
    assert page.status_code == 200 and "Acme Corp PS 2" in page.content.decode()
    r = c.post(url, {"opportunity": second.pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Engagement.objects.get(pk=eng.pk).opportunity_id == second.pk
    assert AuditEvent.objects.filter(verb="engagements.opportunity_linked", actor_id=oscar.pk).count() == 1
