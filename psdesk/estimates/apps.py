from __future__ import annotations

from django.apps import AppConfig


class EstimatesConfig(AppConfig):
    name = "psdesk.estimates"
    label = "estimates"
    default_auto_field = "django.db.models.BigAutoField"
