from __future__ import annotations

from django.apps import AppConfig


class ScopingConfig(AppConfig):
    name = "psdesk.scoping"
    label = "scoping"
    default_auto_field = "django.db.models.BigAutoField"
