"""Reads on SLA timers: what runs on a target and how much business time is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from psdesk.core import clock
from psdesk.core.calendar import UTC_CALENDAR, BusinessCalendar
from psdesk.sla.choices import TimerState
from psdesk.sla.models import SlaPolicy, SlaTimer


def policy_business_calendar(*, policy: SlaPolicy) -> BusinessCalendar:
    """The business calendar the policy counts on (UTC, every day, when it has none)."""
    return policy.calendar.business_calendar() if policy.calendar is not None else UTC_CALENDAR


def timer_business_calendar(*, timer: SlaTimer) -> BusinessCalendar:
    """The timer's own calendar when it has one (the delivery region's), else its policy's."""
    if timer.calendar is not None:
        return timer.calendar.business_calendar()
    return policy_business_calendar(policy=timer.policy)


def timer_calendar_key(*, timer: SlaTimer) -> tuple[str, int | None]:
    """Cache key for `timer_business_calendar` results within one read."""
    return ("timer", timer.calendar_id) if timer.calendar_id else ("policy", timer.policy.calendar_id)


@dataclass(frozen=True)
class TimerView:
    """A timer as shown on a card: `time_left` is business time in the policy's unit, negative
    when overdue; `business_days_left` counts 8-hour working days for working-hour policies."""

    id: int
    policy_key: str
    policy_name: str
    unit: str
    state: str
    status: str
    outcome: str
    started_at: datetime
    due_at: datetime | None
    time_left: timedelta

    @property
    def hours_left(self) -> float:
        return round(self.time_left.total_seconds() / 3600, 2)


def timer_time_left(timer: SlaTimer, *, now: datetime | None = None, cal: BusinessCalendar | None = None) -> timedelta:
    """Business time from `now` to the deadline (negative when overdue); frozen while paused;
    zero once stopped."""
    if timer.state == TimerState.STOPPED:
        return timedelta(0)
    if timer.state == TimerState.PAUSED:
        return timedelta(seconds=timer.remaining_seconds or 0)
    cal = cal or timer_business_calendar(timer=timer)
    return cal.between(now or clock.now(), timer.due_at, unit=timer.policy.unit)


def timers_for_target(
    target: models.Model, *, now: datetime | None = None, include_stopped: bool = False
) -> list[TimerView]:
    """The timers on `target`, soonest deadline first. The caller checked the user may see it."""
    qs = SlaTimer.objects.for_target(target)
    return _timer_views(qs, now=now, include_stopped=include_stopped).get(int(target.pk), [])


def timers_for_targets(
    model: type[models.Model],
    ids: list[int],
    *,
    now: datetime | None = None,
    include_stopped: bool = False,
    policy_key: str = "",
) -> dict[int, list[TimerView]]:
    """target id → its timers (soonest deadline first), for many targets of `model` in one query
    (plus one per business calendar), whatever the number of targets; `policy_key` keeps one
    policy's. The caller checked the user may see them."""
    if not ids:
        return {}
    qs = SlaTimer.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    if policy_key:
        qs = qs.filter(policy__key=policy_key)
    return _timer_views(qs, now=now, include_stopped=include_stopped)


def _timer_views(qs: Any, *, now: datetime | None, include_stopped: bool) -> dict[int, list[TimerView]]:
    now = now or clock.now()
    qs = qs.select_related("policy__calendar", "calendar").order_by("due_at", "id")
    if not include_stopped:
        qs = qs.active()
    calendars: dict[tuple[str, int | None], BusinessCalendar] = {}
    views: dict[int, list[TimerView]] = {}
    for t in qs:
        cal = calendars.get(timer_calendar_key(timer=t))
        if cal is None:
            cal = calendars[timer_calendar_key(timer=t)] = timer_business_calendar(timer=t)
        views.setdefault(int(t.target_id), []).append(
            TimerView(
                id=t.pk,
                policy_key=t.policy.key,
                policy_name=t.policy.name,
                unit=t.policy.unit,
                state=t.state,
                status=t.status,
                outcome=t.outcome,
                started_at=t.started_at,
                due_at=t.due_at if t.state == TimerState.RUNNING else None,
                time_left=timer_time_left(t, now=now, cal=cal),
            )
        )
    return views


@dataclass(frozen=True)
class TimerBadge:
    """What a board card shows: the most urgent active timer of the card."""

    policy_name: str
    status: str
    paused: bool
    time_left: timedelta

    @property
    def hours_left(self) -> float:
        return round(self.time_left.total_seconds() / 3600, 1)


_URGENCY = {"breached": 0, "at_risk": 1, "ok": 2}


def timer_badges(model: type[models.Model], ids: list[int], *, now: datetime | None = None) -> dict[int, TimerBadge]:
    """target id → its most urgent active timer (worst status, then least time left), for many
    cards in one query (two with calendars), whatever the number of cards."""
    if not ids:
        return {}
    now = now or clock.now()
    ct = ContentType.objects.get_for_model(model)
    qs = (
        SlaTimer.objects.active()
        .filter(target_type=ct, target_id__in=ids)
        .select_related("policy__calendar", "calendar")
    )
    calendars: dict[tuple[str, int | None], BusinessCalendar] = {}
    best: dict[int, tuple[tuple[int, timedelta], TimerBadge]] = {}
    for t in qs:
        cal = calendars.get(timer_calendar_key(timer=t))
        if cal is None:
            cal = calendars[timer_calendar_key(timer=t)] = timer_business_calendar(timer=t)
        left = timer_time_left(t, now=now, cal=cal)
        key = (_URGENCY.get(t.status, 3), left)
        current = best.get(t.target_id)
        if current is None or key < current[0]:
            badge = TimerBadge(t.policy.name, t.status, t.state == TimerState.PAUSED, left)
            best[t.target_id] = (key, badge)
    return {tid: badge for tid, (_, badge) in best.items()}
