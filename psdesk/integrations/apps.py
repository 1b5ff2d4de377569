from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "psdesk.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from psdesk.integrations import checks  # noqa: F401, PLC0415 — registers the system check once apps are ready
