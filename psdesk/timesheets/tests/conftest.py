from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from psdesk.core import clock
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project, ProjectTask
from psdesk.scheduling.models import Consultant


@pytest.fixture
def make_project(people: Any, make_account: Any, frozen_clock: Any) -> Any:
    """A project coordinated by paula with two tasks (Build 20 h PSE, Manage 8 h PM); booked
    (paperwork executed) unless `booked=False`, then a Prospect."""
    n = {"i": 0}

    def make(*, booked: bool = True, pubsec: bool = False, em: Any = None, name: str = "Acme") -> Project:
        n["i"] += 1
        acc = make_account(f"{name} {n['i']}", pubsec=pubsec, em=em or people.erin)
        opp = Opportunity.objects.create(
            name=f"{acc.name} PS",
            account=acc,
            owner=people.alice,
            record_type=RecordType.PS_ONLY,
            stage=OpportunityStage.CLOSED_WON if booked else OpportunityStage.NEGOTIATING,
        )
        project = Project.objects.create(
            name=f"{acc.name} - Implementation",
            account=acc,
            opportunity=opp,
            status=ProjectStatus.ACTIVE if booked else ProjectStatus.PROSPECT,
            coordinator=people.paula,
            budget=Decimal("9240.00"),
            booked_at=clock.now() - timedelta(days=20) if booked else None,
        )
        ProjectTask.objects.create(project=project, position=1, name="Build", role="PSE", hours=Decimal("20"))
        ProjectTask.objects.create(project=project, position=2, name="Manage", role="PM", hours=Decimal("8"))
        return project

    return make


@pytest.fixture
def cody_consultant(people: Any) -> Consultant:
    return Consultant.objects.create(name="Cody Chen", email="cody.chen@example.com", role="PSE", user=people.cody)


@pytest.fixture
def pat_consultant(people: Any) -> Consultant:
    return Consultant.objects.create(name="Pat Pierce", email="pat.pierce@example.com", role="TA", user=people.pat)


def task_of(project: Project, name: str = "Build") -> ProjectTask:
    return project.tasks.get(name=name)
