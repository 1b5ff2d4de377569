"""Four-eyes on US PubSec access: nobody decides their own request, a grant needs a second
approver when the policy says so, every step is audited, and refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from psdesk.accounts.models import AccessPolicy, PubSecMembership
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import user_is_pubsec
from psdesk.audit.models import AuditEvent
from psdesk.scoping.models import PubSecAccessRequest

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/scoping/pubsec-access-requests"


@pytest.fixture
def oona(people: Any) -> Any:
    """A second PS Ops Manager."""
    from psdesk.accounts.personas import Persona
    from psdesk.accounts.services import persona_ensure

    return persona_ensure(Persona("oona", "Oona Ops", (Role.PS_OPS_MANAGER,)), password="pw-oona")


def _fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)


def test_a_ps_ops_manager_cannot_grant_their_own_pubsec_access(api: Any, people: Any) -> None:
    r = api("oscar").post(REQUESTS, {"justification": "I want to see the agency deals"})
    assert r.status_code == 201
    rid = r.json()["id"]
    n = AuditEvent.objects.count()
    d = api("oscar").post(f"{REQUESTS}/{rid}/decision", {"grant": True})
    assert d.status_code == 403, d.content
    assert d.json()["message"] == "Nobody decides their own PubSec access request."
    assert PubSecAccessRequest.objects.get(pk=rid).status == "pending"
    assert not user_is_pubsec(_fresh(people.oscar))
    assert AuditEvent.objects.count() == n
    # Nor can they see a PubSec engagement.
    assert not PubSecMembership.objects.filter(user=people.oscar).exists()


def test_one_approval_does_not_grant_and_the_first_approver_cannot_confirm(api: Any, people: Any, oona: Any) -> None:
    rid = api("tom").post(REQUESTS, {"justification": "agency renewal"}).json()["id"]
    first = api("oscar").post(f"{REQUESTS}/{rid}/decision", {"grant": True})
    assert (first.status_code, first.json()["status"], first.json()["first_approved_by"]) == (
        200,
        "awaiting_second",
        "oscar",
    )
    assert not user_is_pubsec(_fresh(people.tom))
    again = api("oscar").post(f"{REQUESTS}/{rid}/decision", {"grant": True})
    assert again.status_code == 403 and "first approval" in again.json()["message"]
    assert api("tom").post(f"{REQUESTS}/{rid}/decision", {"grant": True}).status_code == 403
    assert api("erin").post(f"{REQUESTS}/{rid}/decision", {"grant": True}).status_code == 403
    assert api("olga").post(f"{REQUESTS}/{rid}/decision", {"grant": True}).status_code == 403
    people["oona"] = oona
    second = api("oona").post(f"{REQUESTS}/{rid}/decision", {"grant": True, "reason": "checked"})
    assert (second.status_code, second.json()["status"], second.json()["decided_by"]) == (200, "granted", "oona")
    tom = _fresh(people.tom)
    assert user_is_pubsec(tom)
    m = PubSecMembership.objects.get(user=tom)
    assert (m.granted_by, m.second_approver) == (people.oscar, oona)
    grant = AuditEvent.objects.get(verb="accounts.pubsec_membership_set", target_id=str(tom.pk))
    assert grant.after["second_approver"] == "oona"


def test_ps_leadership_confirms_but_never_makes_the_first_decision(api: Any, people: Any) -> None:
    rid = api("tom").post(REQUESTS, {"justification": "agency renewal"}).json()["id"]
    r = api("leo").post(f"{REQUESTS}/{rid}/decision", {"grant": True})
    assert (
        r.status_code == 403
        and r.json()["message"] == "Only a PS Ops Manager makes the first decision on PubSec access."
    )
    assert api("oscar").post(f"{REQUESTS}/{rid}/decision", {"grant": True}).json()["status"] == "awaiting_second"
    assert api("leo").post(f"{REQUESTS}/{rid}/decision", {"grant": False}).status_code == 422
    denied = api("leo").post(f"{REQUESTS}/{rid}/decision", {"grant": False, "reason": "no agency work"})
    assert (denied.status_code, denied.json()["status"]) == (200, "denied")
    assert not user_is_pubsec(_fresh(people.tom))
    assert api("tom").post(REQUESTS, {"justification": "now there is agency work"}).status_code == 201


def test_with_four_eyes_off_one_ps_ops_manager_grants(api: Any, people: Any) -> None:
    AccessPolicy.objects.update(pubsec_four_eyes=False)
    rid = api("tom").post(REQUESTS, {"justification": "agency renewal"}).json()["id"]
    assert api("oscar").post(f"{REQUESTS}/{rid}/decision", {"grant": True}).json()["status"] == "granted"
    assert user_is_pubsec(_fresh(people.tom))
    # Still nobody decides their own.
    own = api("oscar").post(REQUESTS, {"justification": "me too"}).json()["id"]
    assert api("oscar").post(f"{REQUESTS}/{own}/decision", {"grant": True}).status_code == 403


def test_the_requests_page_offers_confirmation_to_the_second_approver_only(people: Any) -> None:
    from django.test import Client

    req = PubSecAccessRequest.objects.create(user=people.tom, justification="agency")
    oscar = Client()
    oscar.force_login(people.oscar)
    oscar.post("/scoping/pubsec-access/", {"request_id": req.pk, "decision": "grant"})
    req.refresh_from_db()
    assert req.status == "awaiting_second"
    leo = Client()
    leo.force_login(people.leo)
    page = leo.get("/scoping/pubsec-access/")
    assert page.status_code == 200 and "Confirm grant" in page.content.decode()
    leo.post("/scoping/pubsec-access/", {"request_id": req.pk, "decision": "grant"})
    req.refresh_from_db()
    assert req.status == "granted"
    assert Group.objects.get(name=Role.US_PUBLIC_SECTOR).user_set.filter(pk=people.tom.pk).exists()
    outsider = Client()
    outsider.force_login(people.olga)
    assert outsider.get("/scoping/pubsec-access/").status_code == 403
