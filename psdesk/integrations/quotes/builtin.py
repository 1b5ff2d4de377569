"""The built-in quotes live in psdesk.quotes: nothing to push."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.ports import Receipt


class BuiltinQuotes:
    def __init__(self, **_: Any) -> None:
        pass

    def quote_push(
        self, *, ref: str, account: str, currency: str, lines: list[dict[str, Any]], idempotency_key: str
    ) -> Receipt:
        return Receipt(external_id=ref)
