from __future__ import annotations

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeWorkTracking(FakeTarget):
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
        return self._take(
            "issue_upsert",
            idempotency_key,
            ref=ref,
            title=title,
            description=description,
            labels=labels,
            issue_iid=issue_iid,
        )
