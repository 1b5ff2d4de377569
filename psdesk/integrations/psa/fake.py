from __future__ import annotations

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakePsa(FakeTarget):
    def project_create(self, *, ref: str, name: str, account: str, idempotency_key: str) -> Receipt:
        return self._take("project_create", idempotency_key, ref=ref, name=name, account=account)

    def project_status_set(self, *, project_id: str, status: str, idempotency_key: str) -> Receipt:
        return self._take("project_status_set", idempotency_key, project_id=project_id, status=status)
