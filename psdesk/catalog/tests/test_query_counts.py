"""Query-count baselines (tests/query_counts.json) of the catalog lists, measured at two data sizes
with one baseline each: the catalog page and the SKUs API list stay flat in N."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.catalog.choices import SkuCategory, SkuType
from psdesk.catalog.models import Sku
from psdesk.core.testing.query_counts import SIZES, FlatBaselines

pytestmark = pytest.mark.django_db


def test_catalog_lists_are_flat(people: Any, api: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.alice)
    alice = api("alice")
    for n in SIZES:
        for i in range(Sku.objects.count(), n):
            Sku.objects.create(
                code=f"QC-{i:03}",
                name=f"Service {i:03}",
                category=SkuCategory.CONSULTING,
                type=SkuType.IMPLEMENTATION,
                price=Decimal(1000 + i),
                description="A standard service.",
            )
        counts.at(n)
        last = f"Service {n - 1:03}"
        counts.measure("catalog.index", web.get, "/catalog/", last)
        counts.measure("api.catalog.skus", alice.get, "/api/v1/catalog/skus", last)
    counts.check()
