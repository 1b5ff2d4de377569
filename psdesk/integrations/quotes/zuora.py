"""Zuora REST: a signed quote becomes an order (POST /v1/orders) sent with `Idempotency-Key`, which
Zuora honours, so a redelivery returns the first order instead of creating a second."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.http import BearerSession
from psdesk.integrations.ports import Receipt


class ZuoraQuotes:
    def __init__(
        self,
        *,
        base_url: str = "https://rest.zuora.com",
        token: str = "",
        timeout: float = 10,
        verify: bool | str = True,
    ) -> None:
        self.http = BearerSession(vendor="Zuora", base_url=base_url, token=token, timeout=timeout, verify=verify)

    def quote_push(
        self, *, ref: str, account: str, currency: str, lines: list[dict[str, Any]], idempotency_key: str
    ) -> Receipt:
        body = self.http.request(
            "POST",
            "/v1/orders",
            idempotency_key=idempotency_key[:255],
            json={
                "existingAccountNumber": account,
                "orderDate": None,
                "description": ref,
                "customFields": {"PSDeskQuote__c": ref},
                "subscriptions": [
                    {
                        "orderActions": [
                            {
                                "type": "CreateSubscription",
                                "createSubscription": {
                                    "subscribeToRatePlans": [
                                        {
                                            "productRatePlanNumber": ln["sku"],
                                            "quantity": str(ln["quantity"]),
                                            "price": str(ln["unit_price"]),
                                            "currency": currency,
                                        }
                                        for ln in lines
                                    ]
                                },
                            }
                        ]
                    }
                ],
            },
        )
        if body.get("success") is False:
            reasons = "; ".join(str(r.get("message", r)) for r in body.get("reasons", [])) or "unknown reason"
            raise IntegrationError(f"Zuora refused the order: {reasons}", permanent=True)
        return Receipt(external_id=str(body.get("orderNumber", "")))
