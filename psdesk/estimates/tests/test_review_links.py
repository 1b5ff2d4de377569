"""Customer review links: one version only, no cost, signed, expiring, revocable; feedback and agreement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.estimates.models import CustomerFeedback, EstimatePolicy
from psdesk.estimates.selectors import TOKEN_SALT
from psdesk.estimates.services import (
    estimate_version_create,
    estimate_version_share,
    review_link_revoke,
)
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(people: Any, strawman: Any, frozen_clock: Any) -> Any:
    v = estimate_version_create(
        engagement_id=strawman.pk,
        actor=people.erin,
        assumptions="Customer provides VMs",
        out_of_scope="Geo replication",
    )
    return estimate_version_share(version_id=v.pk, actor=people.erin)


def test_the_link_shows_that_version_to_an_anonymous_customer_without_cost_or_margin(shared: Any) -> None:
    resp = Client().get(f"/review/{shared.token}/")
    assert (resp["Referrer-Policy"], resp["Cache-Control"]) == ("same-origin", "no-store")
    html = resp.content.decode()
    assert "Version 1" in html and "USD 26,400.00" in html
    assert "Install GitLab" in html and "Customer provides VMs" in html and "Geo replication" in html
    for secret in ("9,520", "9520", "Cost", "cost", "margin", "Margin", "120.00", "ssot:users", "provenance"):
        assert secret not in html


def test_a_link_cannot_reach_another_version_or_engagement(
    people: Any, shared: Any, make_engagement: Any, frozen_clock: Any
) -> None:
    v2 = estimate_version_create(
        engagement_id=shared.version.engagement_id, actor=people.erin, lines=[L("Secret v2 activity", "PSE", "99")]
    )
    other = make_engagement(title="Other customer")
    ov = estimate_version_create(engagement_id=other.pk, actor=people.erin, lines=[L("Other activity", "PSE", "5")])
    other_shared = estimate_version_share(version_id=ov.pk, actor=people.erin)
    html = Client().get(f"/review/{shared.token}/").content.decode()
    assert "Secret v2 activity" not in html and "Other activity" not in html
    # A token re-pointed at another link without the key is rejected.
    data = signing.loads(shared.token, salt=TOKEN_SALT)
    forged = signing.dumps({"l": other_shared.link.pk, "n": data["n"]}, salt="wrong-salt")
    for token in (forged, shared.token + "x", shared.token[:-3], "nonsense", f"{v2.pk}"):
        resp = Client().get(f"/review/{token}/")
        assert (resp.status_code, resp.content) == (404, b"Not found.")


def test_a_token_signed_with_the_right_key_but_the_wrong_nonce_is_not_found(shared: Any) -> None:
    token = signing.dumps({"l": shared.link.pk, "n": "0" * 32}, salt=TOKEN_SALT)
    assert Client().get(f"/review/{token}/").status_code == 404


def test_an_expired_link_is_not_found(shared: Any, frozen_clock: Any) -> None:
    assert EstimatePolicy.objects.get().review_link_days == 30
    assert shared.link.expires_at == frozen_clock.at + timedelta(days=30)
    frozen_clock.advance(days=29, hours=23)
    assert Client().get(f"/review/{shared.token}/").status_code == 200
    frozen_clock.advance(hours=1)
    resp = Client().get(f"/review/{shared.token}/")
    assert (resp.status_code, resp.content) == (404, b"Not found.")


def test_revoking_works_at_once_and_is_audited(people: Any, shared: Any) -> None:
    review_link_revoke(link_id=shared.link.pk, actor=people.erin)
    assert Client().get(f"/review/{shared.token}/").status_code == 404
    resp = Client().post(f"/review/{shared.token}/agree", {"name": "Carol", "email": "carol@acme.example"})
    assert resp.status_code == 404
    assert CustomerFeedback.objects.count() == 0
    assert AuditEvent.objects.filter(verb="estimates.link_revoked").count() == 1


def test_the_customer_agrees_once_idempotently_and_the_em_is_told(shared: Any, people: Any, notes: Any) -> None:
    c = Client()
    for _ in range(2):
        resp = c.post(f"/review/{shared.token}/agree", {"name": "Carol Customer", "email": "carol@acme.example"})
        assert resp.status_code == 302
    fb = CustomerFeedback.objects.get()
    assert (fb.kind, fb.version_id, fb.name, fb.email) == (
        "agreement",
        shared.version.pk,
        "Carol Customer",
        "carol@acme.example",
    )
    ev = AuditEvent.objects.get(verb="estimates.customer_agreed")
    assert ev.actor_label == "customer Carol Customer <carol@acme.example>"
    assert ev.after["version"] == 1 and ev.after["price"] == "26400.00"
    assert ev.target_id == str(shared.version.engagement_id)
    assert [n["recipients"] for n in notes if n["event"] == "customer.agreed"] == [["erin"]]
    assert "Agreed to this price and scope by Carol Customer" in c.get(f"/review/{shared.token}/").content.decode()


def test_customer_feedback_lands_on_the_engagement_and_bad_input_records_nothing(shared: Any, notes: Any) -> None:
    c = Client()
    c.post(f"/review/{shared.token}/feedback", {"name": "Carol", "email": "not-an-email", "message": "Hi"})
    c.post(f"/review/{shared.token}/feedback", {"name": "Carol", "email": "carol@acme.example", "message": " "})
    assert CustomerFeedback.objects.count() == 0
    c.post(f"/review/{shared.token}/feedback", {"name": "Carol", "email": "carol@acme.example", "message": "Add SSO"})
    fb = CustomerFeedback.objects.get()
    assert (fb.kind, fb.message) == ("comment", "Add SSO")
    ev = AuditEvent.objects.get(verb="estimates.customer_feedback")
    assert ev.after["message"] == "Add SSO"
    assert any(n["event"] == "estimate.ready_for_review" and n["recipients"] == ["erin"] for n in notes)
