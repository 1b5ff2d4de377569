"""The embedded default: chat messages go to the log (one machine, no account anywhere)."""

from __future__ import annotations

import logging
from typing import Any

from psdesk.integrations.ports import Receipt

log = logging.getLogger("psdesk.chat")


class LogChat:
    def __init__(self, **_: Any) -> None:
        pass

    def send(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, idempotency_key: str
    ) -> Receipt:
        log.info("chat %s: %s", channel, text)
        return Receipt(external_id=idempotency_key)
