from __future__ import annotations

from django.contrib import admin

from psdesk.catalog.models import BillRate, ListRate, PricingPolicy, Sku, StandardCostRate
from psdesk.catalog.pricing import cost_rate
from psdesk.catalog.selectors import pricing_policy_get


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "type", "maturity", "price", "currency", "unit", "delivery", "active")
    list_filter = ("category", "type", "maturity", "unit", "delivery", "active")
    search_fields = ("code", "name")


@admin.register(BillRate)
class BillRateAdmin(admin.ModelAdmin):
    list_display = ("role", "currency", "rate")


@admin.register(StandardCostRate)
class StandardCostRateAdmin(admin.ModelAdmin):
    list_display = ("role", "year", "quarter", "annual_ote", "benefits", "billable_hours", "hourly_rate")
    list_filter = ("role", "year")

    @admin.display(description="hourly cost rate")
    def hourly_rate(self, obj: StandardCostRate) -> str:
        hours = obj.billable_hours or pricing_policy_get().billable_hours_per_year
        return str(cost_rate(annual_ote=obj.annual_ote, benefits=obj.benefits, billable_hours=hours))


admin.site.register(ListRate)
admin.site.register(PricingPolicy)
