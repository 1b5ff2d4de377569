from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "psdesk.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Notifications and outbox"
    nav = [
        ("Notifications", "notifications:inbox", None),
        ("Outbox", "notifications:outbox", "notifications.view_outbox"),
    ]
    role_permissions = {
        "ps_ops_manager": ["view_outbox", "replay_outbox"],
        "ps_leadership": ["view_outbox"],
    }

    def ready(self) -> None:
        from psdesk.notifications.hooks import effects_register  # noqa: PLC0415 — app registry must be ready first

        effects_register()
