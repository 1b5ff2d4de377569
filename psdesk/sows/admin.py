from __future__ import annotations

from django.contrib import admin

from psdesk.sows.models import ClauseTemplate, DocxTemplate, LegalCase, Markup, Signature, Sow, SowPolicy, SowVersion


@admin.register(SowPolicy)
class SowPolicyAdmin(admin.ModelAdmin[SowPolicy]):
    list_display = ["__str__", "minimum_hours_per_week", "validity_days", "upload_max_bytes", "updated_at"]


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(admin.ModelAdmin[ClauseTemplate]):
    """Clause texts are versioned: add a new version rather than editing one in use."""

    list_display = ["key", "version", "active", "created_at"]
    list_filter = ["key", "active"]


@admin.register(DocxTemplate)
class DocxTemplateAdmin(admin.ModelAdmin[DocxTemplate]):
    list_display = ["name", "active", "uploaded_at"]


class ReadOnly(admin.ModelAdmin):
    """Versions, mark-ups, legal cases and signatures are written only by services (audited)."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.register(Sow, ReadOnly)
admin.site.register(SowVersion, ReadOnly)
admin.site.register(Markup, ReadOnly)
admin.site.register(LegalCase, ReadOnly)
admin.site.register(Signature, ReadOnly)
