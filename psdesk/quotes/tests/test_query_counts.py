"""Query-count baselines (tests/query_counts.json) of the quote lists, measured at two data sizes with
one baseline each: the quotes page and the quotes API list (with their lines) stay flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.quotes.models import Quote
from psdesk.quotes.services import quote_create, quote_line_add

pytestmark = pytest.mark.django_db


def test_quote_lists_are_flat(people: Any, api: Any, make_account: Any, make_opportunity: Any, catalog: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.alice)
    alice = api("alice")
    for n in SIZES:
        for i in range(Quote.objects.count(), n):
            q = quote_create(opportunity_id=make_opportunity(make_account(f"Quoted {i}")).pk, actor=people.alice)
            quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-BAS", quantity=1)
        counts.at(n)
        last = f"Quoted {n - 1}"
        counts.measure("quotes.index", web.get, "/quotes/", last)
        counts.measure("api.quotes", alice.get, "/api/v1/quotes")
        assert alice.get("/api/v1/quotes").json()["count"] == n
    counts.check()
