from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


def audit_key_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy`: production should have its own PSDESK_AUDIT_KEY, not one derived from
    SECRET_KEY (rotating SECRET_KEY would silently change the key new audit rows are written with)."""
    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "PSDESK_AUDIT_KEY_FROM_ENV", False):
        return [
            Warning(
                "PSDESK_AUDIT_KEY is not set; the audit chain's HMAC key is derived from SECRET_KEY.",
                hint="Set PSDESK_AUDIT_KEY to a long random secret kept outside the database (docs/security.md).",
                id="psdesk.audit.W001",
            )
        ]
    return []


class AuditConfig(AppConfig):
    name = "psdesk.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        register(audit_key_check, Tags.security, deploy=True)
