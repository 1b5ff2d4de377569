"""Board metrics: cycle time per column over a window (median and P80 in business days) and the
age of the work in progress. Reads the audit trail of board moves — the single record of when a
card entered and left each column."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType

from psdesk.audit.models import AuditEvent
from psdesk.board.workflow import BOARD_COLUMNS, ENGAGEMENT_WORKFLOW
from psdesk.core import clock
from psdesk.core.calendar import UTC_CALENDAR, BusinessCalendar
from psdesk.core.types import Actor
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.sla.models import Calendar

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class ColumnCycle:
    state: str
    label: str
    samples: int
    median_days: float | None
    p80_days: float | None
    wip: int
    wip_median_age_days: float | None


def _nearest_rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))], 1)


def _calendar() -> BusinessCalendar:
    cal = Calendar.objects.filter(key="ps-ops-us").first() or Calendar.objects.order_by("id").first()
    return cal.business_calendar() if cal is not None else UTC_CALENDAR


def board_cycle_times(*, user: Actor, days: int = 90, now: datetime | None = None) -> list[ColumnCycle]:
    """Per column: how long cards stayed before leaving it (moves in the last `days`), as median and
    P80 business days (24-hour business days on the PS Ops calendar), and the current WIP with its
    median age. Only engagements the user may see count. A bounded number of queries."""
    now = now or clock.now()
    since = now - timedelta(days=days)
    cal = _calendar()
    visible = Engagement.objects.visible_to(user)
    ct = ContentType.objects.get_for_model(Engagement)
    ids = {str(pk) for pk in visible.values_list("pk", flat=True)}
    created = {str(pk): at for pk, at in visible.values_list("pk", "created_at")}
    events = (
        AuditEvent.objects.filter(target_type=ct, verb__startswith="board.", occurred_at__lte=now)
        .order_by("target_id", "seq")
        .values_list("target_id", "occurred_at", "before", "after")
    )
    durations: dict[str, list[float]] = defaultdict(list)
    entered: dict[str, datetime] = {}
    for target_id, at, before, after in events.iterator(chunk_size=2000):
        if target_id not in ids:
            continue
        source, target = (before or {}).get("state"), (after or {}).get("state")
        if not source or not target:
            continue
        start = entered.get(target_id, created.get(target_id))
        if start is not None and at >= since:
            durations[source].append(cal.between(start, at, unit="business_days") / DAY)
        entered[target_id] = at
    ages: dict[str, list[float]] = defaultdict(list)
    for _pk, state, changed in visible.exclude(state__in=CLOSED_STATES).values_list("pk", "state", "state_changed_at"):
        ages[state].append(cal.between(changed, now, unit="business_days") / DAY)
    return [
        ColumnCycle(
            state=s,
            label=ENGAGEMENT_WORKFLOW.states[s],
            samples=len(durations.get(s, [])),
            median_days=_nearest_rank(durations.get(s, []), 0.5),
            p80_days=_nearest_rank(durations.get(s, []), 0.8),
            wip=len(ages.get(s, [])),
            wip_median_age_days=_nearest_rank(ages.get(s, []), 0.5),
        )
        for s in BOARD_COLUMNS
        if s not in CLOSED_STATES
    ]
