from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.crm.services import opportunity_transition
from psdesk.projects.choices import ChecklistKey
from psdesk.projects.models import ChecklistItem, Project, ProjectContact

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _project(opportunity: Any, people: Any) -> Project:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    return Project.objects.get(opportunity=opportunity)


def test_each_project_action_is_its_own_post_url(opportunity: Any, people: Any) -> None:
    project = _project(opportunity, people)
    c = _client(people.paula)
    key = ChecklistKey.values[0]
    r = c.post(f"/projects/{project.pk}/checklist", {"key": key, "done": "1"})
    assert r.status_code == 302 and r["Location"] == f"/projects/{project.pk}/"
    assert ChecklistItem.objects.get(project=project, key=key).done
    c.post(
        f"/projects/{project.pk}/contacts",
        {"name": "Casey Customer", "email": "casey@acme.example", "role": "champion"},
    )
    assert ProjectContact.objects.filter(project=project, email="casey@acme.example").exists()
    assert c.get(f"/projects/{project.pk}/checklist").status_code == 405
    assert c.post(f"/projects/{project.pk}/act", {"op": "checklist", "key": key, "done": "0"}).status_code == 404


def test_a_refused_action_comes_back_as_a_message_and_changes_nothing(opportunity: Any, people: Any) -> None:
    project = _project(opportunity, people)
    r = _client(people.paula).post(f"/projects/{project.pk}/checklist", {"key": "nonsense", "done": "1"}, follow=True)
    assert "Unknown checklist item &#x27;nonsense&#x27;." in r.content.decode()
    assert not ChecklistItem.objects.filter(project=project, done=True).exists()


def test_only_coordinators_post_project_actions(opportunity: Any, people: Any) -> None:
    project = _project(opportunity, people)
    r = _client(people.erin).post(f"/projects/{project.pk}/welcome")
    assert r.status_code == 403
