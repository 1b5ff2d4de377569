from __future__ import annotations

from django.contrib import admin

from psdesk.quotes.models import Quote, QuoteLine


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fk_name = "quote"
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in QuoteLine._meta.fields if f.name != "id"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Read-only in admin: quotes change through the quote services (audited)."""

    list_display = ("number", "opportunity", "state", "is_primary", "currency", "discount_pct", "signed_on")
    list_filter = ("state", "is_primary", "currency")
    search_fields = ("number", "opportunity__name", "opportunity__account__name")
    inlines = [QuoteLineInline]

    def get_readonly_fields(self, request: object, obj: object = None) -> list[str]:
        return [f.name for f in Quote._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
