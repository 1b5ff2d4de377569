"""The seeded defaults (the presales timers of docs/process.md, The approval board): a New York
business calendar and four presales policies. Admins edit them; seeding never overwrites."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DEFAULT_CALENDAR: dict[str, Any] = {
    "key": "ps-ops-us",
    "name": "PS Ops (US, New York)",
    "country": "US",
    "subdivision": "NY",
    "timezone": "America/New_York",
}

# key, name, start event, stop events, business days
PRESALES_POLICIES: tuple[tuple[str, str, str, str, Decimal], ...] = (
    ("first_em_touch", "First EM touch", "engagements.created", "board.leave:open", Decimal(1)),
    (
        "estimate_shared",
        "Estimate shared with the customer",
        "board.enter:strawman_wip",
        "board.enter:estimate_feedback",
        Decimal(3),
    ),
    (
        "sow_draft",
        "SOW draft to the customer",
        "board.enter:sow_wip",
        "sows.draft_shared board.enter:ready_for_approval",
        Decimal(2),
    ),
    ("stamped_sow", "Stamped SOW to the customer", "board.enter:ready_for_approval", "sows.stamped", Decimal(3)),
)


def defaults_seed(calendar_model: Any = None, policy_model: Any = None) -> int:
    """Create the default calendar and policies that do not exist yet. Returns how many were
    created. Takes the models so a data migration can pass its historical ones."""
    if calendar_model is None or policy_model is None:
        from psdesk.sla.models import Calendar, SlaPolicy  # noqa: PLC0415 — migrations import this module and pass their historical models

        calendar_model, policy_model = Calendar, SlaPolicy
    created = 0
    cal, made = calendar_model.objects.get_or_create(key=DEFAULT_CALENDAR["key"], defaults=DEFAULT_CALENDAR)
    created += int(made)
    for key, name, start, stop, days in PRESALES_POLICIES:
        _, made = policy_model.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "start_event": start,
                "stop_event": stop,
                "duration": days,
                "unit": "business_days",
                "calendar": cal,
                "warn_at_percent": 75,
            },
        )
        created += int(made)
    return created
