from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.sows.models import SowVersion

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_sow_page_generates_and_previews_the_document(sow_wip: Any, people: Any) -> None:
    c = _client(people.erin)
    r = c.post(f"/sows/engagements/{sow_wip.pk}/generate", follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Generated version 1." in html
    assert "8. Fees" in html and "USD 29,040.00" in html
    v = SowVersion.objects.get()
    d = c.get(f"/sows/versions/{v.pk}/pdf")
    assert d.status_code == 200 and d.getvalue()[:5] == b"%PDF-"


def test_refusals_are_shown_on_the_page_and_change_nothing(sow_wip: Any, people: Any) -> None:
    c = _client(people.erin)
    c.post(f"/sows/engagements/{sow_wip.pk}/generate")
    sow = SowVersion.objects.get().sow
    r = c.post(
        f"/sows/engagements/{sow_wip.pk}/release",
        {"sow_id": sow.pk, "signer_email": "cam@customer.example"},
        follow=True,
    )
    assert "starts from Legal stamped" in r.content.decode()
    sow.refresh_from_db()
    assert sow.status == "draft" and sow.released_at is None


def test_each_sow_action_is_its_own_post_url(sow_wip: Any, people: Any) -> None:
    c = _client(people.erin)
    assert c.get(f"/sows/engagements/{sow_wip.pk}/generate").status_code == 405
    assert c.post(f"/sows/engagements/{sow_wip.pk}/act", {"op": "generate"}).status_code == 404
    assert not SowVersion.objects.exists()


def test_an_action_view_shows_the_service_outcome_and_refuses_outsiders(sow_wip: Any, people: Any) -> None:
    c = _client(people.erin)
    c.post(f"/sows/engagements/{sow_wip.pk}/generate")
    sow = SowVersion.objects.get().sow
    r = c.post(f"/sows/engagements/{sow_wip.pk}/review", {"sow_id": sow.pk}, follow=True)
    assert "Review by the account team and the customer recorded." in r.content.decode()
    r = c.post(f"/sows/engagements/{sow_wip.pk}/review", {"sow_id": sow.pk + 1000}, follow=True)
    assert f"SOW {sow.pk + 1000} not found" in r.content.decode()
    r = _client(people.olga).post(f"/sows/engagements/{sow_wip.pk}/review", {"sow_id": sow.pk})
    assert r.status_code == 403


def test_pubsec_and_outsiders_get_no_page(people: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    assert _client(people.erin).get(f"/sows/engagements/{eng.pk}/").status_code == 404
    assert _client(people.olga).get(f"/sows/engagements/{eng.pk}/").status_code == 403
    assert _client(people.pat).get(f"/sows/engagements/{eng.pk}/").status_code == 200
