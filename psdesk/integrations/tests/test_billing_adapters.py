"""The billing port's adapters against a real HTTP server on loopback (recorded Zuora payloads), and
the outbox delivering a billable event through the configured adapter."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from psdesk.integrations.billing.builtin import BuiltinBilling
from psdesk.integrations.billing.zuora import ZuoraBilling
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import ADAPTERS, OPERATIONS
from psdesk.integrations.tests.conftest import payload

EVENT = {
    "ref": "PSD-MS-7",
    "account": "A00000042",
    "currency": "USD",
    "amount": "15840.00",
    "description": "Acme - Professional Services — Milestone 1: Implementation",
    "service_date": "2026-11-30",
}


def test_zuora_creates_one_invoice_for_the_billable_event_with_the_idempotency_key(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/invoices", method="POST").respond_with_json(
        payload("zuora_invoice_created.json")
    )
    z = ZuoraBilling(base_url=httpserver.url_for(""), token="zu-test")
    receipt = z.billable_event_create(**EVENT, idempotency_key="billing:PSD-MS-7")
    assert receipt.external_id == "INV00000417"
    req = httpserver.log[0][0]
    assert req.headers["Idempotency-Key"] == "billing:PSD-MS-7"
    assert req.headers["Authorization"] == "Bearer zu-test"
    body = json.loads(req.get_data())
    assert (body["accountNumber"], body["invoiceDate"], body["currency"]) == ("A00000042", "2026-11-30", "USD")
    assert body["invoiceItems"] == [
        {
            "amount": "15840.00",
            "chargeName": "Acme - Professional Services — Milestone 1: Implementation",
            "description": "PSD-MS-7: Acme - Professional Services — Milestone 1: Implementation",
            "serviceStartDate": "2026-11-30",
        }
    ]


def test_zuora_refusing_the_invoice_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/invoices", method="POST").respond_with_json(
        payload("zuora_invoice_refused.json")
    )
    z = ZuoraBilling(base_url=httpserver.url_for(""), token="zu-test")
    with pytest.raises(IntegrationError) as err:
        z.billable_event_create(**EVENT, idempotency_key="billing:PSD-MS-7")
    assert err.value.permanent is True
    assert err.value.message == "Zuora refused the invoice: Account A99 does not exist"


def test_zuora_down_is_a_temporary_failure(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/invoices", method="POST").respond_with_data("busy", status=503)
    z = ZuoraBilling(base_url=httpserver.url_for(""), token="zu-test")
    with pytest.raises(IntegrationError) as err:
        z.billable_event_create(**EVENT, idempotency_key="billing:PSD-MS-7")
    assert err.value.permanent is False


def test_the_builtin_billing_keeps_the_ledger_in_ps_desk() -> None:
    assert BuiltinBilling().billable_event_create(**EVENT, idempotency_key="k").external_id == "PSD-MS-7"
    assert set(ADAPTERS["billing"]) == {"builtin", "fake", "zuora"}
    assert OPERATIONS["billing"] == frozenset({"billable_event_create"})
