from __future__ import annotations

from django.contrib import admin

from psdesk.crm.models import Account, Msa, Opportunity, Territory


class MsaInline(admin.TabularInline):
    model = Msa
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "territory", "country", "subdivision", "timezone", "us_public_sector")
    list_filter = ("segment", "us_public_sector", "territory")
    search_fields = ("name",)
    inlines = [MsaInline]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "record_type", "stage", "forecast_category", "close_date", "amount", "owner")
    list_filter = ("record_type", "stage", "forecast_category")
    search_fields = ("name", "account__name")
    # The stage moves only through opportunity_transition (audited); admin shows it read-only.
    readonly_fields = ("stage", "stage_changed_at", "version")
    filter_horizontal = ("account_team",)


admin.site.register(Territory)
admin.site.register(Msa)
