"""PSA capability: create the delivery project at stage 5 and follow its status."""

from __future__ import annotations

from typing import Protocol

from psdesk.integrations.ports import Receipt


class PsaPort(Protocol):
    def project_create(self, *, ref: str, name: str, account: str, idempotency_key: str) -> Receipt:
        """Create the project; returns its PSA id. Raises IntegrationError."""
        ...

    def project_status_set(self, *, project_id: str, status: str, idempotency_key: str) -> Receipt:
        """Set the project's status. Raises IntegrationError."""
        ...
