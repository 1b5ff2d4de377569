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
    r = c.post(f"/sows/engagements/{sow_wip.pk}/act", {"op": "generate"}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Generated version 1." in html
    assert "8. Fees" in html and "USD 29,040.00" in html
    v = SowVersion.objects.get()
    d = c.get(f"/sows/versions/{v.pk}/pdf")
    assert d.status_code == 200 and b"".join(d.streaming_content)[:5] == b"%PDF-"


def test_refusals_are_shown_on_the_page_and_change_nothing(sow_wip: Any, people: Any) -> None:
    c = _client(people.erin)
    c.post(f"/sows/engagements/{sow_wip.pk}/act", {"op": "generate"})
    r = c.post(
        f"/sows/engagements/{sow_wip.pk}/act", {"op": "release", "signer_email": "cam@customer.example"}, follow=True
    )
    assert "starts from Legal stamped" in r.content.decode()


def test_pubsec_and_outsiders_get_no_page(people: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    assert _client(people.erin).get(f"/sows/engagements/{eng.pk}/").status_code == 404
    assert _client(people.olga).get(f"/sows/engagements/{eng.pk}/").status_code == 403
    assert _client(people.pat).get(f"/sows/engagements/{eng.pk}/").status_code == 200
