"""Which adapter serves each capability: `settings.PSDESK_ADAPTERS = {"chat": "slack", ...}`.

Adapters are built from `settings.PSDESK_ADAPTER_OPTIONS[capability]` (keyword arguments, e.g. a
token and base URL). Tests swap in a fake with `adapter_override("chat", FakeChat())`.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings

ADAPTERS: dict[str, dict[str, str]] = {
    "chat": {
        "log": "psdesk.integrations.chat.log.LogChat",
        "fake": "psdesk.integrations.chat.fake.FakeChat",
        "slack": "psdesk.integrations.chat.slack.SlackChat",
    },
    "email": {
        "django": "psdesk.integrations.email.django.DjangoMailer",
        "console": "psdesk.integrations.email.django.DjangoMailer",
        "fake": "psdesk.integrations.email.fake.FakeMailer",
    },
    "crm": {
        "builtin": "psdesk.integrations.crm.builtin.BuiltinCrm",
        "fake": "psdesk.integrations.crm.fake.FakeCrm",
        "salesforce": "psdesk.integrations.crm.salesforce.SalesforceCrm",
    },
    "work_tracking": {
        "builtin": "psdesk.integrations.work_tracking.builtin.BuiltinWorkTracking",
        "fake": "psdesk.integrations.work_tracking.fake.FakeWorkTracking",
        "gitlab": "psdesk.integrations.work_tracking.gitlab.GitLabIssues",
    },
    "psa": {
        "builtin": "psdesk.integrations.psa.builtin.BuiltinPsa",
        "fake": "psdesk.integrations.psa.fake.FakePsa",
        "kantata": "psdesk.integrations.psa.kantata.KantataPsa",
    },
    "quotes": {
        "builtin": "psdesk.integrations.quotes.builtin.BuiltinQuotes",
        "fake": "psdesk.integrations.quotes.fake.FakeQuotes",
        "zuora": "psdesk.integrations.quotes.zuora.ZuoraQuotes",
    },
    "billing": {
        "builtin": "psdesk.integrations.billing.builtin.BuiltinBilling",
        "fake": "psdesk.integrations.billing.fake.FakeBilling",
        "zuora": "psdesk.integrations.billing.zuora.ZuoraBilling",
    },
}

# The port methods the outbox may call per capability (anything else is refused as permanent).
OPERATIONS: dict[str, frozenset[str]] = {
    "chat": frozenset({"send"}),
    "email": frozenset({"send"}),
    "crm": frozenset({"update_ps_fields"}),
    "work_tracking": frozenset({"issue_upsert"}),
    "psa": frozenset({"project_create", "project_status_set"}),
    "quotes": frozenset({"quote_push"}),
    "billing": frozenset({"billable_event_create"}),
}

_overrides: dict[str, Any] = {}
_cache: dict[tuple[str, str], Any] = {}


def adapter_name(capability: str) -> str:
    configured: dict[str, str] = getattr(settings, "PSDESK_ADAPTERS", {})
    return configured.get(capability, next(iter(ADAPTERS[capability])))


def adapter_get(capability: str) -> Any:
    """The configured adapter instance for `capability`. Raises KeyError for an unknown capability
    or adapter name (a configuration error, reported at start-up by the integrations system check)."""
    if capability in _overrides:
        return _overrides[capability]
    name = adapter_name(capability)
    key = (capability, name)
    if key not in _cache:
        path = ADAPTERS[capability][name]
        module, _, cls = path.rpartition(".")
        options: dict[str, Any] = getattr(settings, "PSDESK_ADAPTER_OPTIONS", {}).get(capability, {})
        _cache[key] = getattr(importlib.import_module(module), cls)(**options)
    return _cache[key]


def adapter_reset() -> None:
    """Forget built adapters (after a settings change)."""
    _cache.clear()


@contextlib.contextmanager
def adapter_override(capability: str, adapter: Any) -> Iterator[Any]:
    previous = _overrides.get(capability)
    _overrides[capability] = adapter
    try:
        yield adapter
    finally:
        if previous is None:
            _overrides.pop(capability, None)
        else:
            _overrides[capability] = previous
