from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.estimates.models import CustomerFeedback, EstimateLine, EstimatePolicy, EstimateReview, EstimateVersion


@admin.register(EstimatePolicy)
class EstimatePolicyAdmin(admin.ModelAdmin[EstimatePolicy]):
    list_display = ["__str__", "target_margin", "ta_threshold", "ta_threshold_currency", "review_link_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not EstimatePolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(admin.TabularInline[EstimateLine, EstimateVersion]):
    model = EstimateLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in EstimateLine._meta.fields]


@admin.register(EstimateVersion)
class EstimateVersionAdmin(admin.ModelAdmin[EstimateVersion]):
    """Read-only: versions change only through the estimate services (audited)."""

    list_display = ["engagement", "number", "status", "pricing_model", "price", "cost", "margin", "created_at"]
    list_filter = ["status", "pricing_model"]
    search_fields = ["engagement__title", "engagement__account__name"]
    inlines = [LineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EstimateReview, CustomerFeedback)
class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
