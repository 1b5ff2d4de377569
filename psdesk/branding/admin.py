from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psdesk.branding.models import VendorProfile
from psdesk.branding.services import FIELDS, vendor_profile_save


@admin.register(VendorProfile)
class VendorProfileAdmin(admin.ModelAdmin[VendorProfile]):
    list_display = ("legal_name", "signatory_name", "signatory_title", "default_currency", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not VendorProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: VendorProfile, form: Any, change: bool) -> None:
        old = VendorProfile.objects.filter(pk=obj.pk).first() if obj.pk else None
        before = {f: getattr(old, f) for f in FIELDS} if old else {}
        vendor_profile_save(profile=obj, actor=request.user, before=before)  # type: ignore[arg-type]
