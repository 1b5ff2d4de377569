from __future__ import annotations

from typing import Any

import pytest

from psdesk.crm.services import opportunity_transition
from psdesk.projects.models import Project

pytestmark = pytest.mark.django_db


def _project(opportunity: Any, people: Any) -> Project:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.alice)
    return Project.objects.get(opportunity=opportunity)


def test_coordinator_runs_set_up_through_the_api(api: Any, opportunity: Any, people: Any) -> None:
    project = _project(opportunity, people)
    pc = api("paula")
    r = pc.post(f"/api/v1/projects/{project.pk}/welcome", {"dry_run": True})
    assert r.status_code == 422 and "No customer contact" in r.json()["message"]
    r = pc.post(f"/api/v1/projects/{project.pk}/contacts", {"name": "Casey", "email": "bad", "role": "champion"})
    assert r.status_code == 422
    r = pc.post(
        f"/api/v1/projects/{project.pk}/contacts", {"name": "Casey", "email": "casey@acme.example", "role": "champion"}
    )
    assert r.status_code == 201
    r = pc.post(f"/api/v1/projects/{project.pk}/welcome", {"dry_run": True})
    assert r.status_code == 200 and r.json()["sent"] is False and r.json()["to"] == ["casey@acme.example"]
    r = pc.put(f"/api/v1/projects/{project.pk}/checklist/budget", {"done": True})
    assert r.status_code == 200
    assert {c["key"]: c["done"] for c in r.json()["checklist"]}["budget"] is True
    assert pc.put(f"/api/v1/projects/{project.pk}/checklist/nope", {"done": True}).status_code == 422
    r = pc.post(f"/api/v1/projects/{project.pk}/welcome", {})
    assert r.status_code == 200 and r.json()["sent"] is True
    assert pc.post(f"/api/v1/projects/{project.pk}/welcome", {}).status_code == 409
    r = pc.post(f"/api/v1/projects/{project.pk}/transitions", {"action": "okay_to_start"})
    assert r.status_code == 409 and "checklist" in r.json()["message"]
    detail = pc.get(f"/api/v1/projects/{project.pk}").json()
    assert detail["welcome_timer"]["outcome"] == "met"


@pytest.mark.parametrize("who,status", [("olga", 403), ("tom", 403), ("erin", 200), ("paula", 200)])
def test_who_may_see_projects(who: str, status: int, api: Any, opportunity: Any, people: Any) -> None:
    _project(opportunity, people)
    assert api(who).get("/api/v1/projects").status_code == status


def test_only_coordinators_manage(api: Any, opportunity: Any, people: Any) -> None:
    project = _project(opportunity, people)
    r = api("erin").post(f"/api/v1/projects/{project.pk}/welcome", {"dry_run": True})
    assert r.status_code == 403


def test_pubsec_projects_are_invisible_to_non_members(api: Any, people: Any, make_account: Any) -> None:
    from psdesk.crm.choices import OpportunityStage, RecordType
    from psdesk.crm.models import Opportunity

    acc = make_account("Agency", pubsec=True)
    opp = Opportunity.objects.create(
        name="Agency PS", account=acc, owner=people.pat, record_type=RecordType.LICENSE, stage=OpportunityStage.PROPOSAL
    )
    opportunity_transition(opportunity_id=opp.pk, action="forward_to_5_negotiating", actor=people.pat, system=True)
    project = Project.objects.get(opportunity=opp)
    assert api("paula").get(f"/api/v1/projects/{project.pk}").status_code == 404
    assert api("paula").get("/api/v1/projects").json()["count"] == 0
