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
        log.info("chat reply (%s): %s", "replace" if replace_original else response_type, text)
        return Receipt(external_id=idempotency_key)

    def update(
        self,
        *,
        post_key: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        log.info("chat update of %s: %s", post_key, text)
        return Receipt(external_id=idempotency_key)

    def user_email(self, *, user_id: str) -> str:
        return ""

    def modal_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        log.info("chat modal %s", view.get("callback_id", ""))
