"""The built-in work tracking is PS Desk's own board: nothing to mirror."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.ports import Receipt


class BuiltinWorkTracking:
    def __init__(self, **_: Any) -> None:
        pass

    def issue_upsert(
        self,
        *,
        ref: str,
        title: str,
        description: str,
        labels: list[str],
        issue_iid: int | None = None,
        idempotency_key: str,
    ) -> Receipt:
        return Receipt(external_id=ref)
