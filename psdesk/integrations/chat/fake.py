from __future__ import annotations

from typing import Any

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeChat(FakeTarget):
    def send(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, idempotency_key: str
    ) -> Receipt:
        return self._take("send", idempotency_key, channel=channel, text=text, blocks=blocks)
