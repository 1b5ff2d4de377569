from __future__ import annotations

from typing import Any

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeChat(FakeTarget):
    def send(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, idempotency_key: str
    ) -> Receipt:
        return self._take("send", idempotency_key, channel=channel, text=text, blocks=blocks)

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
        return self._take(
            "respond",
            idempotency_key,
            response_url=response_url,
            text=text,
            blocks=blocks,
            replace_original=replace_original,
            response_type=response_type,
        )

    def update(
        self,
        *,
        post_key: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        channel: str = "",
        idempotency_key: str,
    ) -> Receipt:
        return self._take("update", idempotency_key, post_key=post_key, text=text, blocks=blocks)

    def user_email(self, *, user_id: str) -> str:
        return ""

    def modal_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        self.calls.append(("modal_open", {"trigger_id": trigger_id, "view": view}))
