"""Closed won → set-up checklist → send welcome → Okay to Start, as the Project Coordinator."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_transition
from psdesk.projects.choices import ChecklistKey
from psdesk.projects.choices import ProjectStatus as P
from psdesk.projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sets_up_welcomes_and_starts_a_project(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any
) -> None:
    opp = Opportunity.objects.create(
        name="Globex PS",
        account=make_account("Globex"),
        owner=people.alice,
        record_type=RecordType.LICENSE,
        stage=OpportunityStage.PROPOSAL,
    )
    opportunity_transition(opportunity_id=opp.pk, action="forward_to_5_negotiating", actor=people.alice)
    opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.alice)
    project = Project.objects.get(opportunity=opp)
    login(page, "paula")
    page.goto(f"{live_server.url}/projects/")
    page.click(f"text={project.name}")
    assert "No customer contact" in page.content()
    page.fill("input[name=name]", "Casey Customer")
    page.fill("input[name=email]", "casey@globex.example")
    page.click("text=Add contact")
    for key in ChecklistKey.values:
        page.click(f"form:has(input[name=key][value={key}]) button")
    page.click("#send-welcome")
    page.wait_for_selector("text=Welcome email queued for delivery.")
    page.click("button:has-text('Okay to start')")
    page.wait_for_selector("text=Okay to Start")
    assert Project.objects.get(pk=project.pk).status == P.OKAY_TO_START
