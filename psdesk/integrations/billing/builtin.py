"""The built-in billing: PS Desk's own ledger of billable events (psdesk.delivery.BillableEvent) is
the record finance exports; nothing leaves the building."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.ports import Receipt


class BuiltinBilling:
    def __init__(self, **_: Any) -> None:
        pass

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
        return Receipt(external_id=ref)
