from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running PS Desk on several machines: the periodic-job scheduler, health and metrics endpoints,
    JSON logs (docs/deploy.md)."""

    name = "psdesk.ops"
    label = "ops"
    verbose_name = "Operations: scheduler, health, metrics"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"ps_ops_manager": ["view_scheduledjob", "change_scheduledjob", "view_jobrun"]}

    def ready(self) -> None:
        from psdesk.ops import metrics  # noqa: PLC0415 — connects the task-failure signal once apps are loaded

        metrics.signals_connect()
