from __future__ import annotations

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeBilling(FakeTarget):
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
        return self._take(
            "billable_event_create",
            idempotency_key,
            ref=ref,
            account=account,
            currency=currency,
            amount=amount,
            description=description,
            service_date=service_date,
        )
