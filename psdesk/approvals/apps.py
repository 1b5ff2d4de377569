from __future__ import annotations

from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "psdesk.approvals"
    label = "approvals"
    default_auto_field = "django.db.models.BigAutoField"
