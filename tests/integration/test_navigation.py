"""The shell, as every persona meets it on the demo data: login lands on My work, every navigation
entry opens (200), a refused page keeps the navigation and says who grants access, roles read by
their display names."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory

from psdesk.accounts.personas import PERSONAS
from psdesk.accounts.roles import ROLE_LABELS

NAV_LINK = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def demo(frozen_clock: Any, db: Any) -> None:
    call_command("demo", quiet=True, password="pw-demo")


def _nav_urls(html: str) -> list[str]:
    match = NAV_LINK.search(html)
    assert match, "the page has no main navigation"
    return HREF.findall(match.group(1))


@pytest.mark.django_db
def test_every_persona_logs_in_to_my_work_and_every_nav_entry_opens(demo: None) -> None:
    opened = {}
    for persona in PERSONAS:
        client = Client()
        response = client.post("/accounts/login/", {"username": persona.username, "password": "pw-demo"}, follow=True)
        assert response.redirect_chain == [("/my-work/", 302)], persona.username
        assert response.status_code == 200, persona.username
        html = response.content.decode()
        urls = _nav_urls(html)
        assert urls[0] == "/my-work/", persona.username
        opened[persona.username] = {url: client.get(url).status_code for url in urls}
        for role in persona.roles:
            assert ROLE_LABELS[role] in html, persona.username
            assert f">{role}<" not in html and f"{role}, " not in html, persona.username
    assert {name: {u: c for u, c in codes.items() if c != 200} for name, codes in opened.items()} == {
        p.username: {} for p in PERSONAS
    }
    # Each role sees the entries its pages allow: the board for the PS roles, never for cody or olga.
    assert "/" in opened["erin"] and "/" not in opened["cody"] and "/" not in opened["olga"]
    assert list(opened["olga"]) == ["/my-work/", "/notifications/"]


@pytest.mark.django_db
def test_consultants_and_team_members_are_not_offered_the_board(people: Any) -> None:
    for name in ("cody", "tom", "olga"):
        client = Client()
        client.force_login(people[name])
        assert "/" not in _nav_urls(client.get("/my-work/").content.decode()), name
    client = Client()
    client.force_login(people.erin)
    assert "/" in _nav_urls(client.get("/my-work/").content.decode())


@pytest.mark.django_db
def test_a_refused_page_keeps_the_navigation_and_says_who_grants_access(people: Any) -> None:
    client = Client()
    client.force_login(people.cody)
    response = client.get("/")  # the board: consultants may not open it
    html = response.content.decode()
    assert response.status_code == 403
    assert _nav_urls(html)[0] == "/my-work/"
    assert "You may not open this page" in html
    assert "Your role: Consultant." in html
    assert "Ask a PS Ops Manager for access (Oscar Olsen)." in html
    assert "Log out" in html


@pytest.mark.django_db
def test_a_refusal_under_the_api_stays_json(people: Any) -> None:
    from django.core.exceptions import PermissionDenied

    from psdesk.accounts.views import permission_denied

    request = RequestFactory().get("/api/v1/anything")
    request.user = people.cody
    response = permission_denied(request, PermissionDenied("Your role may not do this."))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"code": "forbidden", "message": "Your role may not do this.", "details": {}}


@pytest.mark.django_db
def test_the_header_shows_roles_by_their_display_names(people: Any) -> None:
    client = Client()
    client.force_login(people.paula)
    html = client.get("/my-work/").content.decode()
    assert '<small class="roles">Project Coordinator (ps-scheduling)</small>' in html
    client.force_login(User.objects.get(username="olga"))
    assert '<small class="roles">no role yet</small>' in client.get("/my-work/").content.decode()
