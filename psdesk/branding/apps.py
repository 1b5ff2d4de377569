from __future__ import annotations

from django.apps import AppConfig


class BrandingConfig(AppConfig):
    """The vendor profile (who the customer contracts with) and the customer-document standard that
    every customer-facing artefact is rendered with."""

    name = "psdesk.branding"
    label = "branding"
    verbose_name = "Branding"
    default_auto_field = "django.db.models.BigAutoField"
