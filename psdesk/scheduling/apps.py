from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "psdesk.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"
