"""Chat capability: post a message to a channel or handle."""

from __future__ import annotations

from typing import Any, Protocol

from psdesk.integrations.ports import Receipt


class ChatPort(Protocol):
    def send(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, idempotency_key: str
    ) -> Receipt:
        """Post `text` (and optional Slack blocks) to `channel`. Raises IntegrationError."""
        ...
