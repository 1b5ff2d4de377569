"""System check: every configured adapter name exists (a typo fails `manage.py check` at start-up)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from psdesk.integrations.registry import ADAPTERS


@register()
def adapters_configured(app_configs: Any = None, **_: Any) -> list[Error]:
    errors = []
    for capability, name in getattr(settings, "PSDESK_ADAPTERS", {}).items():
        if capability not in ADAPTERS:
            errors.append(Error(f"PSDESK_ADAPTERS has unknown capability {capability!r}", id="integrations.E001"))
        elif name not in ADAPTERS[capability]:
            known = ", ".join(sorted(ADAPTERS[capability]))
            errors.append(
                Error(f"PSDESK_ADAPTERS[{capability!r}] = {name!r} is not one of: {known}", id="integrations.E002")
            )
    return errors
