from __future__ import annotations

from django.apps import AppConfig


class SowsConfig(AppConfig):
    name = "psdesk.sows"
    label = "sows"
    default_auto_field = "django.db.models.BigAutoField"
