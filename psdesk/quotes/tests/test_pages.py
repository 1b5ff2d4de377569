"""Pages of the order path: intake decision, quote editor, preview = PDF source, PubSec 404s."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.quotes.models import Quote

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_intake_decision_leads_to_a_quote_or_to_the_calculator(
    people: Any, make_opportunity: Any, catalog: Any
) -> None:
    opp = make_opportunity()
    c = _client(people.alice)
    page = c.get(f"/quotes/intake/?opportunity={opp.pk}")
    assert "Do standard SKUs meet the customer" in page.content.decode()
    assert f'<a href="/scoping/?opportunity={opp.pk}" id="standard-no">' in page.content.decode()
    r = c.post("/quotes/intake/", {"opportunity": opp.pk, "standard": "yes"})
    quote = Quote.objects.get(opportunity=opp)
    assert r.status_code == 302 and r["Location"] == f"/quotes/{quote.pk}/"
    r = c.post("/quotes/intake/", {"opportunity": opp.pk, "standard": "no"})
    assert r.status_code == 302 and r["Location"] == f"/scoping/?opportunity={opp.pk}"
    assert Quote.objects.filter(opportunity=opp).count() == 1


def test_the_editor_adds_lines_and_shows_refusals(
    people: Any, make_quote: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from psdesk.branding.testing import documents_worker_run

    q = make_quote()
    c = _client(people.alice)
    with django_capture_on_commit_callbacks(execute=True):  # the change asks the worker for the order form
        c.post(f"/quotes/{q.pk}/edit", {"op": "add_line", "sku_code": "GL-BAS-R", "quantity": "1", "attendees": "13"})
    waiting = c.get(f"/quotes/{q.pk}/order-form.pdf")
    assert waiting.status_code == 202 and "Rendering…" in waiting.content.decode()
    documents_worker_run()
    r = c.post(f"/quotes/{q.pk}/edit", {"op": "add_line", "sku_code": "GL-JIRA", "quantity": "-2"}, follow=True)
    html = r.content.decode()
    assert "quantity: must be at least 1" in html
    assert 'id="quote-total">USD 5500.00' in html
    preview = c.get(f"/quotes/{q.pk}/preview/").content.decode()
    assert "SRV-PERSEAT-R" in preview and "USD 5500.00" in preview and "Download PDF" in preview
    pdf = c.get(f"/quotes/{q.pk}/order-form.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"


def test_pubsec_quote_pages_are_404_for_non_members(
    people: Any, make_account: Any, make_quote: Any, make_opportunity: Any
) -> None:
    from psdesk.accounts.services import pubsec_membership_grant

    pubsec_membership_grant(user=people.mona, actor=people.oscar)
    opp = make_opportunity(make_account("Agency", pubsec=True), owner="mona")
    q = make_quote(opportunity=opp, by="mona")
    for path in (
        f"/quotes/{q.pk}/",
        f"/quotes/{q.pk}/preview/",
        f"/quotes/{q.pk}/order-form.pdf",
        f"/quotes/intake/?opportunity={opp.pk}",
    ):
        assert _client(people.alice).get(path).status_code == 404, path
    assert q.number not in _client(people.erin).get("/quotes/").content.decode()
    assert _client(people.pat).get(f"/quotes/{q.pk}/").status_code == 200
    assert _client(people.olga).get("/quotes/").status_code == 403
