"""Work tracking capability: mirror an engagement's scoping issue (title, SSOT table, scoped labels)."""

from __future__ import annotations

from typing import Protocol

from psdesk.integrations.ports import Receipt


class WorkTrackingPort(Protocol):
    def issue_upsert(
        self,
        *,
        ref: str,
        title: str,
        description: str,
        labels: list[str],
        issue_iid: int | None = None,
        idempotency_key: str,
    ) -> Receipt:
        """Create the issue (issue_iid None) or update its title/description/labels; returns the issue iid.
        Raises IntegrationError."""
        ...
