"""The quote path through the REST API: create, lines, refusals, sign, close won, PDF, roles, PubSec."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.quotes.models import Quote
from psdesk.quotes.tasks import order_form_render_task

pytestmark = pytest.mark.django_db


def test_the_standard_order_path_through_the_api(
    api: Any, people: Any, make_opportunity: Any, catalog: Any, frozen_clock: Any
) -> None:
    opp = make_opportunity()
    alice = api("alice")
    r = alice.post("/api/v1/quotes", {"opportunity_id": opp.pk})
    assert r.status_code == 201, r.content
    q = r.json()
    assert (q["state"], q["is_primary"], q["total"]) == ("draft", True, "0.00")
    r = alice.post(f"/api/v1/quotes/{q['id']}/lines", {"sku_code": "GL-CICD-R", "quantity": 1, "attendees": 13})
    assert r.status_code == 201, r.content
    body = r.json()
    assert [(li["sku_code"], li["quantity"], li["net"]) for li in body["lines"]] == [
        ("GL-CICD-R", 1, "5000.00"),
        ("SRV-PERSEAT-R", 1, "500.00"),
    ]
    r = alice.patch(f"/api/v1/quotes/{q['id']}", {"discount_pct": "10"})
    assert r.json()["total"] == "4950.00"
    r = alice.post(f"/api/v1/crm/opportunities/{opp.pk}/transitions", {"action": "close_won"})
    assert r.status_code == 409 and "is draft" in r.json()["message"]
    assert alice.post(f"/api/v1/quotes/{q['id']}/transitions", {"action": "send"}).status_code == 200
    r = alice.post(
        f"/api/v1/quotes/{q['id']}/transitions",
        {"action": "mark_signed", "signer_name": "Cam Customer", "signed_on": "2026-11-27", "po_number": "PO-1"},
    )
    assert r.status_code == 200 and r.json()["state"] == "signed"
    r = alice.post(f"/api/v1/quotes/{q['id']}/lines", {"sku_code": "GL-JIRA"})
    assert r.status_code == 409 and r.json()["code"] == "quote_locked"
    waiting = alice.get(f"/api/v1/quotes/{q['id']}/order-form.pdf")
    assert waiting.status_code == 409 and waiting.json()["code"] == "document_rendering"
    assert waiting.json()["details"]["state"] == "rendering"
    assert waiting.json()["details"]["status_url"].startswith("/branding/documents/")
    order_form_render_task.call(q["id"])  # the worker's task after the change
    pdf = alice.get(f"/api/v1/quotes/{q['id']}/order-form.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku_code": "GL-JIRA", "quantity": -1}, "quantity"),
        ({"sku_code": "GL-JIRA", "unit_price": 2400.5, "price_override_reason": "x"}, "unit_price"),
        ({"sku_code": "GL-JIRA", "discount_pct": "12.345"}, "discount_pct"),
        ({"sku_code": "GL-JIRA", "discount_pct": "101"}, "discount_pct"),
        ({"sku_code": "UNKNOWN"}, "sku_code"),
    ],
)
def test_bad_line_input_is_a_422_and_writes_nothing(
    api: Any, people: Any, make_quote: Any, payload: dict[str, Any], field: str
) -> None:
    q = make_quote()
    n = AuditEvent.objects.count()
    r = api("alice").post(f"/api/v1/quotes/{q.pk}/lines", payload)
    assert r.status_code == 422, r.content
    assert field in r.content.decode()
    assert q.lines.count() == 0 and AuditEvent.objects.count() == n


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 201), ("rita", 201), ("mona", 201), ("erin", 403), ("olga", 403)]
)
def test_who_may_create_a_quote(
    api: Any, people: Any, make_opportunity: Any, catalog: Any, who: str, status: int
) -> None:
    opp = make_opportunity()
    assert api(who).post("/api/v1/quotes", {"opportunity_id": opp.pk}).status_code == status


def test_pubsec_quotes_are_404_for_non_members(
    api: Any, people: Any, make_account: Any, make_opportunity: Any, catalog: Any
) -> None:
    from psdesk.accounts.services import pubsec_membership_grant
    from psdesk.quotes.services import quote_create

    pubsec_membership_grant(user=people.mona, actor=people.oscar)
    mona = type(people.mona).objects.get(pk=people.mona.pk)
    opp = make_opportunity(make_account("Agency", pubsec=True), owner="mona")
    q = quote_create(opportunity_id=opp.pk, actor=mona)
    assert api("erin").get(f"/api/v1/quotes/{q.pk}").status_code == 404
    assert api("pat").get(f"/api/v1/quotes/{q.pk}").status_code == 200
    assert api("erin").get(f"/api/v1/quotes/{q.pk}/order-form.pdf").status_code == 404
    assert [i["id"] for i in api("erin").get("/api/v1/quotes").json()["items"]] == []
    assert Quote.objects.count() == 1


def test_the_openapi_document_covers_catalog_crm_and_quotes_with_their_errors(api: Any) -> None:
    r = api("alice").client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path, method, codes in (
        ("/api/v1/catalog/skus", "get", {"200", "401", "403", "422"}),
        ("/api/v1/catalog/import", "post", {"200", "403", "422"}),
        ("/api/v1/crm/opportunities", "post", {"201", "404", "422"}),
        ("/api/v1/crm/opportunities/{opportunity_id}/transitions", "post", {"200", "400", "404", "409", "422"}),
        ("/api/v1/quotes/{quote_id}/lines", "post", {"201", "404", "409", "422"}),
        ("/api/v1/quotes/{quote_id}/transitions", "post", {"200", "400", "404", "409"}),
        ("/api/v1/quotes/{quote_id}/order-form.pdf", "get", {"200", "404", "409"}),
    ):
        assert codes <= set(paths[path][method]["responses"]), path
    assert "application/pdf" in paths["/api/v1/quotes/{quote_id}/order-form.pdf"]["get"]["responses"]["200"]["content"]
