"""The refusals issue 21 names, through the API and the customer's pages, per role (incl. the outsider
olga): a change order on a non-active project; the change-order signature steps by role; a replayed
acceptance link bills once; PubSec isolation of change orders, their signature status and the
milestones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from psdesk.crm.models import Account
from psdesk.delivery import services
from psdesk.delivery.models import BillableEvent, ChangeOrder
from psdesk.delivery.tests.test_change_order_esign import sent_change_order
from psdesk.delivery.tests.test_change_orders import _approve_all, _v2
from psdesk.notifications.models import OutboxMessage
from psdesk.projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seal_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.PSDESK_ESIGN_KEY_FILE = str(tmp_path / "seal-key.pem")
    settings.PSDESK_ESIGN_CERT_FILE = str(tmp_path / "seal-cert.pem")
    settings.PSDESK_SITE_URL = "http://testserver"


def test_a_change_order_on_a_project_that_is_not_active_is_409_and_roles_are_403(
    project: Any, api: Any, people: Any
) -> None:
    v2 = _v2(project)
    url = f"/api/v1/delivery/projects/{project.pk}/change-orders"
    body = {"estimate_version_id": v2.pk, "reason": "Geo"}
    for who in ("olga", "paula", "cody"):
        assert api(who).post(url, body).status_code == 403, who
    Project.objects.filter(pk=project.pk).update(status="on_hold")
    r = api("erin").post(url, body)
    assert r.status_code == 409 and "Active" in r.json()["message"]
    assert not ChangeOrder.objects.exists()
    Project.objects.filter(pk=project.pk).update(status="active")
    bad = api("erin").post(url, {"estimate_version_id": "x", "reason": "Geo"})
    assert bad.status_code in (400, 422)
    assert api("erin").post(url, body).status_code == 201


def test_the_signature_steps_through_the_api_by_role(project: Any, api: Any, people: Any) -> None:
    co = services.change_order_create(
        project_id=project.pk, estimate_version_id=_v2(project).pk, reason="Geo", actor=people.erin
    )
    services.change_order_submit(change_order_id=co.pk, actor=people.erin)
    base = f"/api/v1/delivery/change-orders/{co.pk}"
    assert api("erin").post(f"{base}/send", {}).status_code == 409  # not approved yet
    _approve_all(co, people)
    assert api("olga").post(f"{base}/send", {}).status_code == 403
    assert api("erin").post(f"{base}/send", {"signer_email": "not-an-email"}).status_code == 422
    r = api("erin").post(f"{base}/send", {"signer_email": "carl@acme.test", "signer_name": "Carl Customer"})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    st = api("erin").get(f"{base}/signature-status").json()
    assert [(link["status"], link["signer_email"]) for link in st["signing_links"]] == [("pending", "carl@acme.test")]
    assert "token" not in str(st)  # the token is never stored nor shown
    assert api("olga").get(f"{base}/signature-status").status_code == 403
    assert api("rita").post(f"{base}/countersign", {}).status_code == 409  # the customer has not signed

    msg = OutboxMessage.objects.filter(event="change_order.sent").latest("id")
    found = re.search(r"/sign/change-orders/([^/\s]+)/", msg.payload["body"])
    assert found
    token = found.group(1)
    customer = Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="CustomerBrowser/1.0")
    page = customer.post(f"/sign/change-orders/{token}/sign", {"name": "Carl Customer", "title": "CTO"})
    assert page.status_code == 302  # no consent: back to the page with the error, nothing written
    assert api("erin").get(f"{base}/signature-status").json()["signatures"] == []
    done = customer.post(
        f"/sign/change-orders/{token}/sign", {"name": "Carl Customer", "title": "CTO", "consent": "yes"}
    )
    assert done.status_code == 200 and b"is signed" in done.content
    again = customer.post(
        f"/sign/change-orders/{token}/sign", {"name": "Carl Customer", "title": "CTO", "consent": "yes"}
    )
    assert again.status_code == 302  # spent: refused on the page
    st = api("rita").get(f"{base}/signature-status").json()
    [sig] = st["signatures"]
    assert (sig["party"], sig["ip_address"], sig["user_agent"], sig["by_link"]) == (
        "customer",
        "198.51.100.4",
        "CustomerBrowser/1.0",
        True,
    )
    assert st["status"] == "customer_signed" and st["countersign_refusal"] is None
    for who in ("erin", "olga", "leo"):
        assert api(who).post(f"{base}/countersign", {}).status_code == 403, who
    r = api("rita").post(f"{base}/countersign", {})
    assert r.status_code == 200 and r.json()["status"] == "executed" and len(r.json()["executed_pdf_sha256"]) == 64
    assert api("rita").post(f"{base}/countersign", {}).status_code == 409


def test_a_replayed_acceptance_link_on_the_customer_page_bills_once(project: Any, people: Any) -> None:
    m1 = project.milestones.get(position=1)
    services.milestone_complete(milestone_id=m1.pk, actor=people.paula)
    msg = OutboxMessage.objects.filter(event="milestone.completion_notice").latest("id")
    found = re.search(r"/r/acceptance/([^/\s]+)/", msg.payload["body"])
    assert found
    url = f"/r/acceptance/{found.group(1)}/"
    customer = Client()
    assert customer.post(url, {"decision": "accept", "name": "Carl Customer"}).status_code == 200
    replay = Client().post(url, {"decision": "accept", "name": "Carl Customer"})
    assert replay.status_code == 404
    assert BillableEvent.objects.filter(milestone=m1).count() == 1
    assert OutboxMessage.objects.filter(target="billing").count() == 1


def test_pubsec_change_orders_and_their_signature_are_invisible_to_non_members(
    project: Any, api: Any, people: Any
) -> None:
    co, _token = sent_change_order(project, people)
    Account.objects.filter(pk=project.account_id).update(us_public_sector=True)
    base = f"/api/v1/delivery/change-orders/{co.pk}"
    for who in ("erin", "leo", "rita", "olga"):
        assert api(who).get(base).status_code in (403, 404), who
        assert api(who).get(f"{base}/signature-status").status_code in (403, 404), who
        assert api(who).get(f"/api/v1/delivery/projects/{project.pk}/change-orders").status_code in (403, 404), who
        assert api(who).post(f"{base}/withdraw", {"reason": "x"}).status_code in (403, 404), who
    assert api("erin").get(base).status_code == 404
    assert api("rita").post(f"{base}/countersign", {}).status_code == 404
    m1 = project.milestones.get(position=1)
    assert api("paula").get(f"/api/v1/delivery/milestones/{m1.pk}").status_code == 404
    co.refresh_from_db()
    assert co.status == "sent"
