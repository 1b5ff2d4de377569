from __future__ import annotations

from typing import Any

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeCrm(FakeTarget):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.stages: dict[str, str] = {}

    def update_ps_fields(self, *, opportunity_id: str, fields: dict[str, Any], idempotency_key: str) -> Receipt:
        return self._take("update_ps_fields", idempotency_key, opportunity_id=opportunity_id, fields=fields)

    def stage_get(self, *, opportunity_id: str) -> str:
        return self.stages.get(opportunity_id, "")
