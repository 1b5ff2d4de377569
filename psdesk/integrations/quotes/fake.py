from __future__ import annotations

from typing import Any

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeQuotes(FakeTarget):
    def quote_push(
        self, *, ref: str, account: str, currency: str, lines: list[dict[str, Any]], idempotency_key: str
    ) -> Receipt:
        return self._take("quote_push", idempotency_key, ref=ref, account=account, currency=currency, lines=lines)
