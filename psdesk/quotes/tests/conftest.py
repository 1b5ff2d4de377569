from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def catalog(db: Any) -> None:
    """The demo catalog from data/catalog.csv."""
    from psdesk.catalog.demo import catalog_seed

    catalog_seed()


@pytest.fixture
def make_opportunity(people: Any, make_account: Any) -> Any:
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create

    def make(account: Any = None, *, owner: str = "alice", **kw: Any) -> Any:
        account = account or make_account()
        lic = opportunity_create(actor=people[owner], account=account, record_type=RecordType.LICENSE)
        return opportunity_create(actor=people[owner], account=account, parent=lic, **kw)

    return make


@pytest.fixture
def make_quote(people: Any, catalog: Any, make_opportunity: Any) -> Any:
    """A draft quote on a fresh PS-only opportunity, with `lines` = [(sku, qty, extra kwargs)]."""
    from psdesk.quotes.services import quote_create, quote_line_add

    def make(
        lines: tuple[tuple[str, int, dict[str, Any]], ...] = (), *, opportunity: Any = None, by: str = "alice"
    ) -> Any:
        opp = opportunity or make_opportunity()
        q = quote_create(opportunity_id=opp.pk, actor=people[by])
        for code, qty, extra in lines:
            quote_line_add(quote_id=q.pk, actor=people[by], sku_code=code, quantity=qty, **extra)
        q.refresh_from_db()
        return q

    return make
