"""Data flows forward across the seams: the Services Calculator → the agreed estimate version →
the delivery queue, the project and the opportunity's value; booking a consultant → the project's
tasks; and a signed order form never closes an open custom engagement won."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import TransitionNotAllowed
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_create, opportunity_transition
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_create, engagement_title_short
from psdesk.estimates import services as est
from psdesk.estimates.services import LineData
from psdesk.projects.models import Project
from psdesk.scheduling.choices import AllocationKind
from psdesk.scheduling.models import Consultant, QueueEntry
from psdesk.scheduling.services import allocation_create

pytestmark = pytest.mark.django_db

IMPL = {
    "license_tier": "Premium",
    "install_type": "New",
    "users": 3250,
    "ha_required": "yes",
    "geo": "yes",
    "hosting": "AWS",
    "air_gapped": "no",
    "integrations": 3,
}
EN_DASH = "\u2013"


@pytest.fixture
def journey(people: Any, make_account: Any) -> Any:
    """Northwind Traders through the calculator; v1 is the calculator's draft; v2, saved from the
    estimate editor (whose lines carry no service type), adds the EM's own 8 h line; the opportunity
    reaches stage 5 before the customer agrees to v2."""
    from psdesk.scoping.questionnaires import questionnaires_ensure
    from psdesk.scoping.services import scoping_request_submit

    questionnaires_ensure()
    acc = make_account("Northwind Traders", em=people.erin)
    lic = opportunity_create(actor=people.alice, account=acc, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=acc, parent=lic, amount=Decimal("10000.00"))
    eng = scoping_request_submit(
        requester=people.sam,
        service_types=["implementation"],
        answers={"implementation": IMPL},
        account_id=acc.pk,
        opportunity_id=opp.pk,
    ).engagement
    v1 = est.estimate_version_create(engagement_id=eng.pk, actor=people.erin)
    edited = [
        LineData(activity=ln.activity, role=ln.role, hours=ln.hours, description=ln.description)
        for ln in v1.lines.order_by("position")
    ]
    v2 = est.estimate_version_create(
        engagement_id=eng.pk,
        actor=people.erin,
        lines=[*edited, LineData(activity="Engagement management", role="EM", hours=Decimal("8"))],
    )
    opportunity_transition(opportunity_id=opp.pk, action="forward_to_5_negotiating", actor=people.alice)
    shared = est.estimate_version_share(version_id=v2.pk, actor=people.erin)
    est.customer_agreement_record(token=shared.token, name="Nina North", email="nina@northwind.example")
    return {"eng": eng, "opp": opp, "v1": v1, "v2": v2}


def _hours(entry: QueueEntry) -> Decimal:
    return sum((ln.hours for ln in entry.lines.all()), Decimal("0"))


def test_queue_demand_and_project_tasks_come_from_the_agreed_version_with_the_ems_own_line(journey: Any) -> None:
    v1, v2 = journey["v1"], journey["v2"]
    assert v2.hours == v1.hours + Decimal("8")
    entry = QueueEntry.objects.get(engagement=journey["eng"])
    assert _hours(entry) == v2.hours  # the EM's hours are queued under the policy's role (PM)
    project = Project.objects.get(opportunity=journey["opp"])
    assert sum((t.hours for t in project.tasks.all()), Decimal("0")) == v2.hours
    assert project.tasks.filter(name="Engagement management", role="EM").exists()
    assert project.budget == v2.price


def test_queue_and_project_follow_a_newer_agreed_version(people: Any, journey: Any) -> None:
    v2 = journey["v2"]
    v3 = est.estimate_version_create(
        engagement_id=journey["eng"].pk,
        actor=people.erin,
        lines=[*est._lines_of(v2), LineData(activity="Hypercare", role="PSE", hours=Decimal("16"))],
    )
    shared = est.estimate_version_share(version_id=v3.pk, actor=people.erin)
    est.customer_agreement_record(token=shared.token, name="Nina North", email="nina@northwind.example")
    entry = QueueEntry.objects.get(engagement=journey["eng"])
    assert _hours(entry) == v2.hours + Decimal("16") == v3.hours
    project = Project.objects.get(opportunity=journey["opp"])
    assert sum((t.hours for t in project.tasks.all()), Decimal("0")) == v3.hours
    followed = AuditEvent.objects.filter(verb="scheduling.demand_followed").latest("id")
    assert followed.after["estimate_version"] == 3
    plan = AuditEvent.objects.filter(verb="projects.plan_followed").latest("id")
    assert (plan.before["hours"], plan.after["hours"]) == (str(v2.hours), str(v3.hours))


def test_the_service_type_comes_from_the_calculator_not_other(journey: Any) -> None:
    assert QueueEntry.objects.get(engagement=journey["eng"]).service_type == "implementation"


def test_the_project_is_named_after_the_account_and_the_engagement(journey: Any) -> None:
    from psdesk.scoping.models import ServiceType

    name = ServiceType.objects.get(key="implementation").name
    project = Project.objects.get(opportunity=journey["opp"])
    assert project.name == f"Northwind Traders {EN_DASH} {name}"
    assert QueueEntry.objects.get(engagement=journey["eng"]).title == project.name


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("Hooli - Scope Issue and Write SOW", ""),
        ("Hooli - Scope Issue and Write SOW (phase 2)", "(phase 2)"),
        ("Hooli - GitLab Geo rollout - Scope Issue and Write SOW", "GitLab Geo rollout"),
        ("Data centre move", "Data centre move"),
    ],
)
def test_the_short_engagement_title_drops_the_scoping_suffix_and_the_account(title: str, short: str) -> None:
    assert engagement_title_short(title=title, account_name="Hooli") == short


def test_the_opportunitys_ps_value_and_amount_follow_the_agreed_estimate(journey: Any) -> None:
    opp = Opportunity.objects.get(pk=journey["opp"].pk)
    v2 = journey["v2"]
    assert (opp.ps_value + opp.education_value, opp.amount) == (v2.price, v2.price)
    ev = AuditEvent.objects.filter(verb="crm.opportunity_value_followed").get()
    assert ev.before["amount"] == "10000.00" and ev.after["amount"] == str(v2.price)
    assert ev.reason == "customer agreed to estimate v2"


def test_booking_a_consultant_assigns_the_matching_unassigned_tasks(people: Any, journey: Any) -> None:
    entry = QueueEntry.objects.get(engagement=journey["eng"])
    project = Project.objects.get(opportunity=journey["opp"])

    def consultant(name: str, role: str) -> Consultant:
        return Consultant.objects.create(name=name, email=f"{name}@example.com", role=role, holiday_country="ZZ")

    kw: dict[str, Any] = {"starts_on": date(2027, 1, 4), "ends_on": date(2027, 2, 26), "weekly_hours": Decimal("10")}
    allocation_create(
        entry=entry, consultant=consultant("Pia", "PSE"), kind=AllocationKind.SOFT, actor=people.paula, **kw
    )
    assert set(project.tasks.values_list("assignee_label", flat=True)) == {"Unnamed resource"}  # proposed only
    allocation_create(
        entry=entry, consultant=consultant("Max", "PM"), kind=AllocationKind.HARD, actor=people.paula, **kw
    )
    by_role = {(t.role, t.assignee_label) for t in project.tasks.all()}
    assert ("PM", "Max") in by_role and ("EM", "Max") in by_role  # EM hours are delivered by the PM
    assert {a for r, a in by_role if r == "PSE"} == {"Unnamed resource"}
    ev = AuditEvent.objects.filter(verb="projects.tasks_assigned").get()
    assert ev.after["assignee"] == "Max"


# ---------------------------------------------------------------- closing won with a custom engagement


@pytest.fixture
def hooli(people: Any, make_account: Any) -> Any:
    """Hooli's PS opportunity: a signed standard-SKU order form and the "phase 2" card in Open."""
    from psdesk.catalog.demo import catalog_seed
    from psdesk.quotes.services import quote_create, quote_line_add, quote_transition

    catalog_seed()
    acc = make_account("Hooli", em=people.emil)
    lic = opportunity_create(actor=people.alice, account=acc, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=acc, parent=lic)
    opp.account_team.set([people.alice])
    card = engagement_create(
        account=acc,
        actor=people.sam,
        opportunity=opp,
        em=people.emil,
        title="Hooli - Scope Issue and Write SOW (phase 2)",
    )
    q = quote_create(opportunity_id=opp.pk, actor=people.alice)
    quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-JIRA")
    quote_transition(quote_id=q.pk, action="send", actor=people.alice)
    quote_transition(
        quote_id=q.pk, action="mark_signed", actor=people.alice, signer_name="Gavin", signed_on=date(2026, 11, 26)
    )
    return {"opp": opp, "card": card}


def test_a_signed_order_form_does_not_close_an_open_custom_engagement_won(people: Any, hooli: Any) -> None:
    opp, card = hooli["opp"], hooli["card"]
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as exc:
        opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.rita)
    assert '"Hooli - Scope Issue and Write SOW (phase 2)"' in exc.value.message
    assert "close that engagement lost (with a reason) or move it to its own opportunity" in exc.value.message
    assert Opportunity.objects.get(pk=opp.pk).stage == OpportunityStage.PENDING_ACCEPTANCE
    assert Engagement.objects.get(pk=card.pk).state == EngagementStatus.OPEN
    assert AuditEvent.objects.count() == audits


def test_closing_the_blocking_engagement_lost_from_the_opportunity_page_lets_it_close_won(
    people: Any, hooli: Any, client: Any
) -> None:
    opp, card = hooli["opp"], hooli["card"]
    client.force_login(people.rita)
    page = client.get(f"/crm/opportunities/{opp.pk}/")
    html = page.content.decode()
    assert 'id="close-won-blockers"' in html
    assert f'action="/engagements/{card.pk}/close-lost"' in html
    assert f'action="/engagements/{card.pk}/own-opportunity"' in html
    r = client.post(f"/engagements/{card.pk}/close-lost", {"next": f"/crm/opportunities/{opp.pk}/", "reason": ""})
    assert r.status_code == 302 and Engagement.objects.get(pk=card.pk).state == EngagementStatus.OPEN  # needs a reason
    r = client.post(
        f"/engagements/{card.pk}/close-lost",
        {"next": f"/crm/opportunities/{opp.pk}/", "reason": "Phase 2 is not part of this order"},
    )
    assert r.status_code == 302 and r["Location"] == f"/crm/opportunities/{opp.pk}/"
    assert Engagement.objects.get(pk=card.pk).state == EngagementStatus.CLOSED_LOST
    r = client.post(f"/crm/opportunities/{opp.pk}/move", {"action": "close_won"})
    assert Opportunity.objects.get(pk=opp.pk).stage == OpportunityStage.CLOSED_WON


def test_moving_the_blocking_engagement_to_its_own_opportunity_lets_the_order_close_won(
    people: Any, hooli: Any, client: Any
) -> None:
    opp, card = hooli["opp"], hooli["card"]
    client.force_login(people.alice)
    r = client.post(f"/engagements/{card.pk}/own-opportunity", {"next": f"/crm/opportunities/{opp.pk}/"})
    assert r.status_code == 302
    moved = Engagement.objects.select_related("opportunity").get(pk=card.pk)
    new = moved.opportunity
    assert new.pk != opp.pk and new.parent_id == opp.parent_id and new.record_type == RecordType.PS_ONLY
    assert new.name.endswith(f"{EN_DASH} (phase 2)") and moved.state == EngagementStatus.OPEN
    ev = AuditEvent.objects.filter(verb="engagements.opportunity_linked").get()
    assert (ev.before, ev.after) == ({"opportunity": opp.pk}, {"opportunity": new.pk, "name": new.name})
    opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.rita)
    assert Opportunity.objects.get(pk=opp.pk).stage == OpportunityStage.CLOSED_WON
    assert Engagement.objects.get(pk=card.pk).state == EngagementStatus.OPEN  # not carried along


def test_the_api_refuses_the_standard_close_won_with_409_naming_the_engagement(api: Any, hooli: Any) -> None:
    r = api("rita").post(f"/api/v1/crm/opportunities/{hooli['opp'].pk}/transitions", {"action": "close_won"})
    assert r.status_code == 409
    assert "phase 2" in r.json()["message"]


def test_outsiders_and_roles_without_opportunity_rights_cannot_move_the_engagement(
    people: Any, hooli: Any, client: Any
) -> None:
    card = hooli["card"]
    client.force_login(people.olga)
    assert client.post(f"/engagements/{card.pk}/own-opportunity").status_code == 403
    client.force_login(people.tara)  # may see the card, may not create opportunities
    client.post(f"/engagements/{card.pk}/own-opportunity")
    assert Engagement.objects.get(pk=card.pk).opportunity_id == hooli["opp"].pk
    assert not AuditEvent.objects.filter(verb="engagements.opportunity_linked").exists()
