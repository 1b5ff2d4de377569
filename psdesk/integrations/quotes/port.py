"""Quotes capability: push a signed standard-SKU quote to the billing system."""

from __future__ import annotations

from typing import Any, Protocol

from psdesk.integrations.ports import Receipt


class QuotesPort(Protocol):
    def quote_push(
        self, *, ref: str, account: str, currency: str, lines: list[dict[str, Any]], idempotency_key: str
    ) -> Receipt:
        """Push one quote (lines: sku, quantity, unit_price as a string). Returns the order number.
        Raises IntegrationError."""
        ...
