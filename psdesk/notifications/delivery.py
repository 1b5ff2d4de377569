"""Outbox delivery (filled in below notify's first commit)."""

from __future__ import annotations


def outbox_deliver_due(*, message_ids: list[int] | None = None, limit: int = 100) -> int:
    return 0
