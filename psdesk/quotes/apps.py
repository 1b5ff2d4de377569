from __future__ import annotations

from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "psdesk.quotes"
    label = "quotes"
    default_auto_field = "django.db.models.BigAutoField"
