"""The shared behaviour of every fake adapter: record calls, deduplicate by idempotency key (like a
target that supports one), and fail on demand."""

from __future__ import annotations

import threading
from typing import Any

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.ports import Receipt


class FakeTarget:
    def __init__(self, **_: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every attempt that reached the target
        self.received: dict[str, tuple[str, dict[str, Any]]] = {}  # effects, one per idempotency key
        self.failures: list[IntegrationError] = []
        self._lock = threading.Lock()

    def fail_next(self, *errors: IntegrationError) -> None:
        self.failures.extend(errors)

    def _take(self, op: str, idempotency_key: str, **data: Any) -> Receipt:
        with self._lock:
            self.calls.append((op, data))
            if self.failures:
                raise self.failures.pop(0)
            if idempotency_key in self.received:
                return Receipt(external_id=idempotency_key, duplicate=True)
            self.received[idempotency_key] = (op, data)
            return Receipt(external_id=f"fake-{len(self.received)}")

    @property
    def effects(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.received.values())
