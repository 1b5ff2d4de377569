"""Zuora REST: a billable event becomes a standalone invoice (POST /v1/invoices) with one invoice
item, sent with `Idempotency-Key`, which Zuora honours, so a redelivery returns the first invoice
instead of billing twice."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.http import BearerSession
from psdesk.integrations.ports import Receipt


class ZuoraBilling:
    def __init__(
        self,
        *,
        base_url: str = "https://rest.zuora.com",
        token: str = "",
        timeout: float = 10,
        verify: bool | str = True,
    ) -> None:
        self.http = BearerSession(vendor="Zuora", base_url=base_url, token=token, timeout=timeout, verify=verify)

    def billable_event_create(
        self,
        *,
        ref: str,
        account: str,
        currency: str,
        amount: str,
        description: str,
        service_date: str,
        idempotency_key: str,
    ) -> Receipt:
        body: dict[str, Any] = self.http.request(
            "POST",
            "/v1/invoices",
            idempotency_key=idempotency_key[:255],
            json={
                "accountNumber": account,
                "invoiceDate": service_date,
                "currency": currency,
                "customFields": {"PSDeskBillableEvent__c": ref},
                "invoiceItems": [
                    {
                        "amount": amount,
                        "chargeName": description[:100],
                        "description": f"{ref}: {description}"[:500],
                        "serviceStartDate": service_date,
                    }
                ],
            },
        )
        if body.get("success") is False:
            reasons = "; ".join(str(r.get("message", r)) for r in body.get("reasons", [])) or "unknown reason"
            raise IntegrationError(f"Zuora refused the invoice: {reasons}", permanent=True)
        return Receipt(external_id=str(body.get("invoiceNumber") or body.get("id") or ""))
