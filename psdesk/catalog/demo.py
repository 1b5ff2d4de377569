"""Demo catalog: the public catalog snapshot in data/catalog.csv (rates are seeded by migration)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from psdesk.catalog.models import Sku
from psdesk.catalog.services import catalog_import
from psdesk.core.demo import DemoContext

CATALOG_CSV = Path(settings.BASE_DIR) / "data" / "catalog.csv"


def catalog_seed() -> None:
    """Load data/catalog.csv; DevOps Fundamentals needs 4 seat add-ons per extra attendee."""
    with CATALOG_CSV.open(newline="", encoding="utf-8") as fh:
        catalog_import(stream=fh)
    Sku.objects.filter(code="GL-DOF").update(seat_addons_per_extra_attendee=4)


def load(ctx: DemoContext) -> None:
    catalog_seed()
    ctx.objects["skus"] = {s.code: s for s in Sku.objects.all()}
