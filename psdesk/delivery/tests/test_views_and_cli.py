"""Delivery pages per role, the customer's acceptance page (no login), and the CLI."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from psdesk.delivery import services
from psdesk.notifications.models import OutboxMessage


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_delivery_pages_and_the_customer_page(project: Any, people: Any) -> None:
    paula = _client(people.paula)
    page = paula.get(f"/delivery/projects/{project.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mark milestone 1 complete" in html and "USD 29040.00" in html
    assert _client(people.olga).get(f"/delivery/projects/{project.pk}/").status_code == 403
    assert _client(people.erin).get("/delivery/").status_code == 200
    m1 = project.milestones.get(position=1)
    r = paula.post(f"/delivery/projects/{project.pk}/milestones/complete", {"milestone_id": m1.pk, "note": "ok"})
    assert r.status_code == 302
    body = OutboxMessage.objects.get(event="milestone.completion_notice").payload["body"]
    path = re.search(r"https?://[^/]+(/r/acceptance/[^\s]+/)", body)
    assert path
    customer = Client()
    got = customer.get(path.group(1))
    assert got.status_code == 200 and "We accept this milestone" in got.content.decode()
    bad = customer.post(path.group(1), {"decision": "report", "name": "Carl", "reason": ""})
    assert bad.status_code == 422
    ok = customer.post(path.group(1), {"decision": "accept", "name": "Carl Customer"})
    assert ok.status_code == 200 and "you accepted" in ok.content.decode()
    assert customer.get(path.group(1)).status_code == 404  # single use
    assert customer.get("/r/acceptance/forged/").status_code == 404
    assert "Passively accepted" not in paula.get(f"/delivery/projects/{project.pk}/").content.decode()


def test_the_cli_shows_and_completes(project: Any, people: Any) -> None:
    out = StringIO()
    call_command("delivery", "show", str(project.pk), "--as", "paula", stdout=out)
    assert "Implementation" in out.getvalue() and "29,040.00" in out.getvalue()
    m1 = project.milestones.get(position=1)
    call_command("delivery", "complete", str(m1.pk), "--as", "paula", stdout=out)
    assert "completion notice to carl@acme.test" in out.getvalue()
    with pytest.raises(CommandError, match="403"):
        call_command("delivery", "complete", str(m1.pk), "--as", "cody")
    services.change_orders_expire()
    call_command("delivery", "sweep", stdout=out)
    assert "expired change orders: 0" in out.getvalue()
