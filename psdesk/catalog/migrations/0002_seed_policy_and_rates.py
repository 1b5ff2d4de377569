"""Seed the pricing policy defaults: list rate USD 330/h, 1,880 billable hours, and demo rate-card and
standard cost rate inputs for every delivery role from 2025-Q1 (editable in admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import migrations

BILL_RATES = {"PSE": "300.00", "PM": "250.00", "TA": "350.00", "Trainer": "300.00", "EM": "275.00"}
COST_INPUTS = {  # role: (average annual on-target earnings, benefits)
    "PSE": ("165000.00", "33000.00"),
    "PM": ("150000.00", "30000.00"),
    "TA": ("200000.00", "40000.00"),
    "Trainer": ("130000.00", "26000.00"),
    "EM": ("175000.00", "35000.00"),
}


def seed(apps: Any, schema_editor: Any) -> None:
    PricingPolicy = apps.get_model("catalog", "PricingPolicy")
    ListRate = apps.get_model("catalog", "ListRate")
    BillRate = apps.get_model("catalog", "BillRate")
    StandardCostRate = apps.get_model("catalog", "StandardCostRate")
    PricingPolicy.objects.get_or_create(id=1, defaults={"billable_hours_per_year": 1880})
    ListRate.objects.get_or_create(currency="USD", defaults={"rate": Decimal("330.00")})
    for role, rate in BILL_RATES.items():
        BillRate.objects.get_or_create(role=role, currency="USD", defaults={"rate": Decimal(rate)})
    for role, (ote, benefits) in COST_INPUTS.items():
        StandardCostRate.objects.get_or_create(
            role=role, year=2025, quarter=1, defaults={"annual_ote": Decimal(ote), "benefits": Decimal(benefits)}
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
