"""The service catalog: SKUs, the rate card, standard cost rates and pricing policy (docs/process.md,
Catalog and quotes)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from psdesk.catalog.choices import DeliveryMode, Maturity, RateRole, SkuCategory, SkuType, SkuUnit
from psdesk.catalog.pricing import DEFAULT_BILLABLE_HOURS
from psdesk.catalog.querysets import SkuQuerySet
from psdesk.core import clock

ZERO = Decimal("0.00")


class Sku(models.Model):
    """A standard service with a pre-defined service description. `code` is the natural key
    (imports are idempotent on it). Inactive SKUs stay on existing quotes but cannot be added."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=SkuCategory.choices)
    type = models.CharField(max_length=32, choices=SkuType.choices)
    maturity = models.CharField(max_length=16, choices=Maturity.choices, default=Maturity.VIABLE)
    price = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)])
    currency = models.CharField(max_length=3, default="USD")
    unit = models.CharField(max_length=16, choices=SkuUnit.choices, default=SkuUnit.FIXED)
    duration_days = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    class_size = models.PositiveIntegerField(null=True, blank=True, help_text="Seats per session (education)")
    seat_addons_per_extra_attendee = models.PositiveSmallIntegerField(
        default=1, help_text="Seat add-ons needed per attendee beyond the class size (DevOps Fundamentals: 4)"
    )
    delivery = models.CharField(max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.REMOTE)
    description = models.TextField(help_text="The standard service description (pre-defined SOW text)")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=clock.now)

    objects = SkuQuerySet.as_manager()

    class Meta:
        ordering = ["category", "code"]
        verbose_name = "SKU"
        permissions = [("import_sku", "Import and export the catalog")]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="sku_price_not_negative")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BillRate(models.Model):
    """Rate card: the hourly bill rate of a role in a currency."""

    role = models.CharField(max_length=16, choices=RateRole.choices)
    currency = models.CharField(max_length=3, default="USD")
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])

    class Meta:
        ordering = ["role", "currency"]
        constraints = [models.UniqueConstraint(fields=["role", "currency"], name="bill_rate_role_currency")]

    def __str__(self) -> str:
        return f"{self.role} {self.currency} {self.rate}/h"


class StandardCostRate(models.Model):
    """Inputs of a role's standard cost rate for a quarter. The rate applies from its quarter until
    a later quarter's row replaces it; the hourly figure is computed by `pricing.cost_rate`."""

    role = models.CharField(max_length=16, choices=RateRole.choices)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")])
    annual_ote = models.DecimalField(
        "average annual on-target earnings", max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    benefits = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)])
    billable_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty to use the pricing policy's billable hours"
    )
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["role", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["role", "year", "quarter"], name="cost_rate_role_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="cost_rate_quarter_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.year}-Q{self.quarter}"


class ListRate(models.Model):
    """Policy: the hourly list rate fixed-fee custom work is priced at (default USD 330)."""

    currency = models.CharField(max_length=3, unique=True)
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])

    def __str__(self) -> str:
        return f"list rate {self.currency} {self.rate}/h"


class PricingPolicy(models.Model):
    """Single-row policy (id=1): billable hours per year and the seat add-on SKU."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    billable_hours_per_year = models.PositiveIntegerField(default=DEFAULT_BILLABLE_HOURS)
    seat_addon_sku_code = models.CharField(max_length=40, default="SRV-PERSEAT-R")

    class Meta:
        verbose_name_plural = "pricing policy"

    def __str__(self) -> str:
        return "pricing policy"
