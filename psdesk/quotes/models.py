"""Standard-SKU quotes and their lines (docs/process.md, Catalog and quotes). The state moves only through
`psdesk.quotes.services.quote_transition`; lines are editable only while the quote is a draft."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.crm.models import Opportunity
from psdesk.quotes import pricing
from psdesk.quotes.choices import QuoteStatus
from psdesk.quotes.querysets import QuoteQuerySet

ZERO = Decimal("0.00")


class Quote(models.Model):
    """A quote on an opportunity. At most one primary quote per opportunity; signing the primary
    quote (the signed order form) lets a standard-SKU opportunity close won."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=20, unique=True)
    currency = models.CharField(max_length=3, default="USD")
    state = models.CharField(max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    is_primary = models.BooleanField(default=False)
    discount_pct = models.DecimalField("quote discount %", max_digits=5, decimal_places=2, default=ZERO)
    signer_name = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    po_number = models.CharField("PO number", max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("sign_quote", "Mark a quote signed (signed order form)")]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"], condition=models.Q(is_primary=True), name="one_primary_quote_per_opportunity"
            ),
            models.CheckConstraint(
                condition=models.Q(discount_pct__gte=0, discount_pct__lte=100), name="quote_discount_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def editable(self) -> bool:
        return self.state == QuoteStatus.DRAFT

    def totals(self) -> pricing.QuoteTotals:
        lines = list(self.lines.all())
        return pricing.quote_totals([li.pricing_input() for li in lines], self.discount_pct)


class QuoteLine(models.Model):
    """One SKU on a quote. Name, description and catalog price are snapshots taken when the line is
    added, so a later catalog change does not alter a sent or signed order form. Seat add-on lines
    (`addon_for`) are maintained automatically from their course line's attendees."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="quote_lines")
    name = models.CharField(max_length=200)
    service_description = models.TextField(blank=True)
    delivery = models.CharField(max_length=8, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    catalog_price = models.DecimalField(max_digits=14, decimal_places=2)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    price_override_reason = models.TextField(blank=True)
    discount_pct = models.DecimalField("line discount %", max_digits=5, decimal_places=2, default=ZERO)
    attendees = models.PositiveIntegerField(null=True, blank=True)
    addon_for = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="addons")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="quote_line_price_not_negative"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="quote_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(discount_pct__gte=0, discount_pct__lte=100), name="quote_line_discount_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"

    def pricing_input(self) -> pricing.LineInput:
        return pricing.LineInput(self.quantity, self.unit_price, self.discount_pct)

    @property
    def price_overridden(self) -> bool:
        return self.unit_price != self.catalog_price
