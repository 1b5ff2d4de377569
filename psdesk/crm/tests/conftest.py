from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_opportunity(people: Any, make_account: Any) -> Any:
    """A PS-only opportunity (with its license parent) created through the service, owned by alice."""
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create

    def make(account: Any = None, *, owner: str = "alice", **kw: Any) -> Any:
        account = account or make_account()
        lic = opportunity_create(actor=people[owner], account=account, record_type=RecordType.LICENSE)
        return opportunity_create(actor=people[owner], account=account, parent=lic, **kw)

    return make
