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

    def respond(
        self,
        *,
        response_url: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        replace_original: bool = False,
        response_type: str = "ephemeral",
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        """Answer a command or click through the chat's reply address. Raises IntegrationError."""
        ...

    def update(
        self,
        *,
        post_key: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        """Edit the message `send` posted with idempotency key `post_key`. Raises IntegrationError."""
        ...

    def user_email(self, *, user_id: str) -> str:
        """A chat member's confirmed email, or "". Raises IntegrationError."""
        ...

    def modal_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a dialog for a click. Raises IntegrationError."""
        ...
