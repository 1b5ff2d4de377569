"""Email capability: one message to a list of addresses: a plain-text body and, when given, an HTML
alternative of the same content (multipart/alternative)."""

from __future__ import annotations

from typing import Protocol

from psdesk.integrations.ports import Receipt


class EmailPort(Protocol):
    def send(
        self,
        *,
        to: list[str],
        subject: str,
        body: str,
        idempotency_key: str,
        cc: list[str] | None = None,
        attachments: list[dict[str, str]] | None = None,
        html: str | None = None,
    ) -> Receipt:
        """Send one message (to `to`, copying `cc`; `body` is the plain text, `html` the HTML
        alternative; attachments: filename, mimetype, content_b64). Raises IntegrationError."""
        ...
