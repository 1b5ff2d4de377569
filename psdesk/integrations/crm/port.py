"""CRM capability: push the PS fields of an opportunity and read its stage."""

from __future__ import annotations

from typing import Any, Protocol

from psdesk.integrations.ports import Receipt


class CrmPort(Protocol):
    def update_ps_fields(self, *, opportunity_id: str, fields: dict[str, Any], idempotency_key: str) -> Receipt:
        """Write PS fields (names as in the CRM) on one opportunity. Raises IntegrationError."""
        ...

    def stage_get(self, *, opportunity_id: str) -> str:
        """The opportunity's current stage name. Raises IntegrationError."""
        ...
