"""The built-in PSA is PS Desk's own projects app: nothing to push."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.ports import Receipt


class BuiltinPsa:
    def __init__(self, **_: Any) -> None:
        pass

    def project_create(self, *, ref: str, name: str, account: str, idempotency_key: str) -> Receipt:
        return Receipt(external_id=ref)

    def project_status_set(self, *, project_id: str, status: str, idempotency_key: str) -> Receipt:
        return Receipt(external_id=project_id)
