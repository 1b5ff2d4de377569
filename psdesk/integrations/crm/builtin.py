"""The built-in CRM is PS Desk's own database (psdesk.crm): nothing to push, stage read by the crm app."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.ports import Receipt


class BuiltinCrm:
    def __init__(self, **_: Any) -> None:
        pass

    def update_ps_fields(self, *, opportunity_id: str, fields: dict[str, Any], idempotency_key: str) -> Receipt:
        return Receipt(external_id=opportunity_id)

    def stage_get(self, *, opportunity_id: str) -> str:
        raise IntegrationError("The built-in CRM keeps stages in psdesk.crm; read them there.", permanent=True)
