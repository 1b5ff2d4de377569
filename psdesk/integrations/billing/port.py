"""Billing capability: one billable event (an accepted milestone's fee) sent to the billing system."""

from __future__ import annotations

from typing import Protocol

from psdesk.integrations.ports import Receipt


class BillingPort(Protocol):
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
        """Create one invoice item for `amount` (a decimal string) in `currency`, dated
        `service_date` (ISO date). The same `idempotency_key` never bills twice. Returns the billing
        system's id for it. Raises IntegrationError."""
        ...
