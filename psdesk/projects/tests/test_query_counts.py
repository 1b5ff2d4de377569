"""Query-count baselines (tests/query_counts.json) of the project lists, each at two data sizes
with one baseline: /projects/ and the projects API list stay flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import assert_expected_query_count
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.projects.services import project_book

pytestmark = pytest.mark.django_db


def _projects(people: Any, make_account: Any, n: int) -> None:
    for i in range(n):
        opp = Opportunity.objects.create(
            name=f"Proj {n}-{i} PS",
            account=make_account(f"Proj {n}-{i}"),
            owner=people.alice,
            record_type=RecordType.LICENSE,
            stage=OpportunityStage.CLOSED_WON,
        )
        project_book(opportunity=opp, actor=None)  # starts its welcome-email timer


@pytest.mark.parametrize("n", [2, 9])
def test_projects_page_query_count(n: int, people: Any, make_account: Any) -> None:
    _projects(people, make_account, n)
    web = Client()
    web.force_login(people.paula)
    assert web.get("/projects/").status_code == 200
    with assert_expected_query_count("projects.index"):
        page = web.get("/projects/")
    assert page.status_code == 200 and page.content.decode().count("/projects/") >= n


@pytest.mark.parametrize("n", [2, 9])
def test_projects_api_list_query_count(n: int, api: Any, people: Any, make_account: Any) -> None:
    _projects(people, make_account, n)
    paula = api("paula")
    assert paula.get("/api/v1/projects").status_code == 200
    with assert_expected_query_count("api.projects"):
        r = paula.get("/api/v1/projects")
    assert r.status_code == 200 and r.json()["count"] == n
