"""Writes on SLA policies, calendars and timers. Timers warn and report; they never block.

Public API for other apps (call inside your own transaction; every function is idempotent):

    sla_event(event="board.enter:strawman_wip", target=eng)    # starts/stops the matching policies
    timer_start(policy_key="estimate_shared", target=eng)
    timer_stop(policy_key="estimate_shared", target=eng)
    timer_pause(target=eng) / timer_resume(target=eng)          # On hold
    sla_sweep()                                                 # at-risk / breached + notifications

Apps above react to a policy's deadline with `register_due_handler(policy_key, handler)`: the sweep
hands each running timer of that policy that is due to `handler(timer, now)` (which stops it, e.g.
passive acceptance of a milestone) before it marks what is left breached.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.calendar import BusinessCalendar, CalendarError
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.notifications import services as notifications  # a module: tests record notify() on it
from psdesk.sla.choices import DurationUnit, TimerOutcome, TimerState, TimerStatus
from psdesk.sla.models import Calendar, Closure, SlaPolicy, SlaTimer
from psdesk.sla.selectors import policy_business_calendar, timer_business_calendar

# --- calendars ---------------------------------------------------------------------------------


def calendar_create(
    *,
    key: str,
    name: str,
    country: str,
    subdivision: str = "",
    timezone: str = "UTC",
    work_start: time = time(9, 0),
    work_end: time = time(17, 0),
    actor: Actor | None = None,
) -> Calendar:
    """Create a business calendar (audited). Raises ValidationFailed (422) with the reason for an
    unknown country/subdivision/timezone or an empty working window; nothing is written then."""
    try:
        BusinessCalendar.build(
            country=country, subdivision=subdivision, timezone=timezone, work_start=work_start, work_end=work_end
        )
    except CalendarError as exc:
        raise ValidationFailed(str(exc), details={"field": "country"}) from None
    if Calendar.objects.filter(key=key).exists():
        raise ValidationFailed(f"A calendar with key '{key}' exists.", details={"field": "key"})
    with transaction.atomic():
        cal = Calendar.objects.create(
            key=key,
            name=name,
            country=country.upper(),
            subdivision=subdivision.upper(),
            timezone=timezone,
            work_start=work_start,
            work_end=work_end,
        )
        audit_record(
            verb="sla.calendar_created",
            actor=actor,
            target=cal,
            after={"country": cal.country, "subdivision": cal.subdivision, "timezone": cal.timezone},
        )
    return cal


def closure_add(*, calendar: Calendar, day: Any, name: str = "", actor: Actor | None = None) -> Closure:
    """Add a company closure day (idempotent, audited when new). Running timers keep the deadline
    they were given; new and resumed timers see the closure."""
    with transaction.atomic():
        closure, created = Closure.objects.get_or_create(calendar=calendar, day=day, defaults={"name": name})
        if created:
            Calendar.objects.filter(pk=calendar.pk).update(updated_at=clock.now())
            audit_record(verb="sla.closure_added", actor=actor, target=calendar, after={"day": day, "name": name})
    return closure


# --- policies ----------------------------------------------------------------------------------


def policy_create(
    *,
    key: str,
    name: str,
    start_event: str,
    stop_event: str,
    duration: Decimal | int | str,
    unit: str = DurationUnit.BUSINESS_DAYS,
    calendar: Calendar | None = None,
    warn_at_percent: int = 75,
    actor: Actor | None = None,
) -> SlaPolicy:
    """Create a policy (audited). Raises ValidationFailed for a non-positive duration, an unknown
    unit, a warn-at outside 1-100 or a duplicate key; nothing is written then."""
    amount = Decimal(str(duration))
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("The duration must be positive.", details={"field": "duration"})
    if unit not in DurationUnit.values:
        raise ValidationFailed(f"Unknown unit '{unit}'.", details={"field": "unit"})
    if not 1 <= warn_at_percent <= 100:
        raise ValidationFailed("Warn at a percentage between 1 and 100.", details={"field": "warn_at_percent"})
    if not start_event or not stop_event.split() or start_event in stop_event.split():
        raise ValidationFailed("Start and stop events must be given and differ.", details={"field": "stop_event"})
    if SlaPolicy.objects.filter(key=key).exists():
        raise ValidationFailed(f"A policy with key '{key}' exists.", details={"field": "key"})
    with transaction.atomic():
        policy = SlaPolicy.objects.create(
            key=key,
            name=name,
            start_event=start_event,
            stop_event=stop_event,
            duration=amount,
            unit=unit,
            calendar=calendar,
            warn_at_percent=warn_at_percent,
        )
        audit_record(
            verb="sla.policy_created",
            actor=actor,
            target=policy,
            after={"duration": str(amount), "unit": unit, "start": start_event, "stop": stop_event},
        )
    return policy


# --- timers ------------------------------------------------------------------------------------


def _policy(policy_key: str) -> SlaPolicy:
    policy = SlaPolicy.objects.select_related("calendar").filter(key=policy_key).first()
    if policy is None:
        raise NotFound(f"SLA policy '{policy_key}' not found")
    return policy


def _deadlines(policy: SlaPolicy, cal: BusinessCalendar, start: datetime, span: timedelta) -> tuple[datetime, datetime]:
    """(warn_at, due_at) for `span` of business time left from `start`."""
    full = policy.span()
    due = cal.add(start, span, unit=policy.unit)
    # warn when warn_at_percent of the *whole* duration has elapsed; if that point already passed
    # (resumed late), warn now.
    warn_left = span - full * (100 - policy.warn_at_percent) / 100
    warn = cal.add(start, warn_left, unit=policy.unit) if warn_left > timedelta(0) else start
    return warn, due


def _target_key(target: models.Model) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(type(target)), int(target.pk)


def timer_start(
    *, policy_key: str, target: models.Model, started_at: datetime | None = None, calendar: Calendar | None = None
) -> SlaTimer | None:
    """Start the policy's timer on `target`, on `calendar` when given (e.g. the delivery region's)
    instead of the policy's. Idempotent: returns the active timer if one runs already. Returns None
    when the policy is inactive. Raises NotFound for an unknown policy."""
    policy = _policy(policy_key)
    return _start(policy, target, started_at or clock.now(), calendar)


def _start(policy: SlaPolicy, target: models.Model, at: datetime, calendar: Calendar | None = None) -> SlaTimer | None:
    if not policy.active:
        return None
    ct, tid = _target_key(target)
    with transaction.atomic():
        existing = SlaTimer.objects.active().filter(policy=policy, target_type=ct, target_id=tid).first()
        if existing is not None:
            return existing
        cal = calendar.business_calendar() if calendar is not None else policy_business_calendar(policy=policy)
        warn, due = _deadlines(policy, cal, at, policy.span())
        return SlaTimer.objects.create(
            policy=policy, target_type=ct, target_id=tid, started_at=at, due_at=due, warn_at=warn, calendar=calendar
        )


def timer_stop(*, policy_key: str, target: models.Model, stopped_at: datetime | None = None) -> SlaTimer | None:
    """Stop the policy's active timer on `target`: outcome `met` when stopped before its deadline,
    else `missed`. Returns None when no timer runs (idempotent)."""
    policy = _policy(policy_key)
    return _stop(policy, target, stopped_at or clock.now())


def _stop(policy: SlaPolicy, target: models.Model, at: datetime, outcome: str | None = None) -> SlaTimer | None:
    ct, tid = _target_key(target)
    with transaction.atomic():
        timer = (
            SlaTimer.objects.select_for_update(of=("self",))
            .active()
            .filter(policy=policy, target_type=ct, target_id=tid)
            .first()
        )
        if timer is None:
            return None
        if outcome is None:
            late = (timer.remaining_seconds or 0) <= 0 if timer.state == TimerState.PAUSED else at > timer.due_at
            outcome = TimerOutcome.MISSED if late or timer.status == TimerStatus.BREACHED else TimerOutcome.MET
        timer.state = TimerState.STOPPED
        timer.stopped_at = at
        timer.outcome = outcome
        timer.save(update_fields=["state", "stopped_at", "outcome"])
        return timer


def timers_cancel(*, target: models.Model, at: datetime | None = None) -> int:
    """Stop every active timer on `target` with outcome `cancelled` (the engagement closed)."""
    ct, tid = _target_key(target)
    return (
        SlaTimer.objects.active()
        .filter(target_type=ct, target_id=tid)
        .update(state=TimerState.STOPPED, stopped_at=at or clock.now(), outcome=TimerOutcome.CANCELLED)
    )


def _timers_switch(
    *,
    target: models.Model,
    policy_key: str | None,
    state: str,
    switch: Callable[[SlaTimer, BusinessCalendar], list[str]],
) -> int:
    """Lock the timers on `target` in `state` (all, or one policy's) and apply `switch(timer,
    calendar)` to each in one transaction, saving the fields it returns. Returns how many."""
    ct, tid = _target_key(target)
    qs = (
        SlaTimer.objects.select_for_update(of=("self",))
        .filter(target_type=ct, target_id=tid, state=state)
        .select_related("policy__calendar", "calendar")
    )
    if policy_key:
        qs = qs.filter(policy__key=policy_key)
    n = 0
    with transaction.atomic():
        for timer in qs:
            timer.save(update_fields=switch(timer, timer_business_calendar(timer=timer)))
            n += 1
    return n


def timer_pause(*, target: models.Model, policy_key: str | None = None, at: datetime | None = None) -> int:
    """Pause the running timers on `target` (all, or one policy's), keeping the business time left.
    Returns how many were paused."""
    when = at or clock.now()

    def pause(timer: SlaTimer, cal: BusinessCalendar) -> list[str]:
        left = cal.between(when, timer.due_at, unit=timer.policy.unit)
        timer.state = TimerState.PAUSED
        timer.paused_at = when
        timer.remaining_seconds = int(left.total_seconds())
        return ["state", "paused_at", "remaining_seconds"]

    return _timers_switch(target=target, policy_key=policy_key, state=TimerState.RUNNING, switch=pause)


def timer_resume(*, target: models.Model, policy_key: str | None = None, at: datetime | None = None) -> int:
    """Resume paused timers on `target`: the deadline moves out by the time spent paused (the
    business time left when paused is counted again from `at`). Returns how many resumed."""
    when = at or clock.now()

    def resume(timer: SlaTimer, cal: BusinessCalendar) -> list[str]:
        left = timedelta(seconds=timer.remaining_seconds or 0)
        if left > timedelta(0):
            timer.warn_at, timer.due_at = _deadlines(timer.policy, cal, when, left)
        else:
            timer.warn_at = timer.due_at = when
        timer.state = TimerState.RUNNING
        timer.paused_at = None
        timer.remaining_seconds = None
        return ["state", "paused_at", "remaining_seconds", "warn_at", "due_at"]

    return _timers_switch(target=target, policy_key=policy_key, state=TimerState.PAUSED, switch=resume)


def sla_event(*, event: str, target: models.Model, at: datetime | None = None) -> list[SlaTimer]:
    """React to a domain event on `target`: stop the active timers whose policy stops on `event`,
    then start the timers of the active policies that start on it. Returns the timers touched."""
    at = at or clock.now()
    touched: list[SlaTimer] = []
    # few policies exist: match stop events (a space-separated list) in Python
    policies = [
        p
        for p in SlaPolicy.objects.select_related("calendar").filter(active=True)
        if p.start_event == event or p.stops_on(event)
    ]
    for policy in policies:
        if policy.stops_on(event):
            stopped = _stop(policy, target, at)
            if stopped is not None:
                touched.append(stopped)
    for policy in policies:
        if policy.start_event == event:
            started = _start(policy, target, at)
            if started is not None:
                touched.append(started)
    return touched


# --- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepResult:
    at_risk: int
    breached: int
    notified: int
    handled: int = 0


DueHandler = Callable[[SlaTimer, datetime], object]
DUE_HANDLERS: dict[str, DueHandler] = {}


def register_due_handler(policy_key: str, handler: DueHandler) -> None:
    """Extension point: the sweep calls `handler(timer, now)` for each running timer of `policy_key`
    that is due, each in its own transaction, before marking timers breached. The handler stops the
    timer (or the sweep breaches it) and must be idempotent: two sweeps may hand it the same timer."""
    DUE_HANDLERS[policy_key] = handler


def _due_handlers_run(now: datetime, batch: int) -> int:
    handled = 0
    for key, handler in DUE_HANDLERS.items():
        due = SlaTimer.objects.filter(state=TimerState.RUNNING, policy__key=key, due_at__lte=now).order_by(
            "due_at", "id"
        )
        for timer in due.select_related("policy")[:batch]:
            with transaction.atomic():
                handler(timer, now)
            handled += 1
    return handled


def sla_sweep(*, now: datetime | None = None, notify: bool = True, batch: int = 500) -> SweepResult:
    """Hand due timers of policies with a registered handler to it (`register_due_handler`), then
    mark running timers past their deadline `breached` and past their warn point `at_risk`, with two
    set-based UPDATEs, then notify once per newly marked timer (`sla.breached` / `sla.at_risk`)
    through one `notify_many` per target type and event (real routing, preferences and rendering;
    bulk inserts; one worker wake-up). Idempotent: a timer is marked and notified once per status.
    `batch` bounds how many due timers each registered handler is given per sweep."""
    now = now or clock.now()
    handled = _due_handlers_run(now, batch)
    token = uuid.uuid4().hex
    with transaction.atomic():
        breached = SlaTimer.objects.filter(
            state=TimerState.RUNNING, status__in=[TimerStatus.OK, TimerStatus.AT_RISK], due_at__lte=now
        ).update(status=TimerStatus.BREACHED, breached_at=now, sweep_token="b" + token[1:])
        at_risk = SlaTimer.objects.filter(state=TimerState.RUNNING, status=TimerStatus.OK, warn_at__lte=now).update(
            status=TimerStatus.AT_RISK, at_risk_at=now, sweep_token="r" + token[1:]
        )
        notified = 0
        if notify and (breached or at_risk):
            notified = _notify_swept(tokens={"b" + token[1:]: "sla.breached", "r" + token[1:]: "sla.at_risk"})
    return SweepResult(at_risk=at_risk, breached=breached, notified=notified, handled=handled)


# the rows notification routing reads on a target (its EM, account, account owner), where they exist
_ROUTING_PATHS = (
    "em",
    "account",
    "account__owner",
    "engagement",
    "engagement__em",
    "engagement__account",
    "engagement__account__owner",
)


def _routing_paths(model: type[models.Model]) -> tuple[list[str], list[tuple[str, ...]]]:
    """The `_ROUTING_PATHS` that are foreign-key chains on `model`: those ending at another model
    (for select_related) and, split into their parts, those ending at a user (loaded once per
    person by `_users_attach` instead of once per joined row)."""
    joined: list[str] = []
    people: list[tuple[str, ...]] = []
    user_model = get_user_model()
    for path in _ROUTING_PATHS:
        m: Any = model
        for part in path.split("__"):
            try:
                f = m._meta.get_field(part)
            except FieldDoesNotExist:
                m = None
                break
            m = f.related_model if f.many_to_one or f.one_to_one else None
            if m is None:
                break
        if m is None:
            continue
        if m is user_model:
            people.append(tuple(path.split("__")))
        else:
            joined.append(path)
    return joined, people


def _users_attach(targets: list[models.Model], paths: list[tuple[str, ...]]) -> None:
    """Set the user at the end of each of `paths` on every target (its EM, its account's owner)
    from one query for the distinct people (the base manager, as select_related reads them too),
    as select_related would have set them."""
    links: list[tuple[Any, Any, int]] = []  # (object holding the foreign key, the field, user id)
    for target in targets:
        for path in paths:
            obj: Any = target
            for part in path[:-1]:
                obj = getattr(obj, part)
                if obj is None:
                    break
            if obj is None:
                continue
            field = obj._meta.get_field(path[-1])
            user_id = getattr(obj, field.attname)
            if user_id is not None:
                links.append((obj, field, user_id))
    ids = sorted({user_id for _, _, user_id in links})
    users: dict[int, Any] = {}
    for i in range(0, len(ids), 10_000):  # below every database's bound-parameter limit
        users.update(get_user_model()._base_manager.in_bulk(ids[i : i + 10_000]))
    for obj, field, user_id in links:
        if user_id in users:
            field.set_cached_value(obj, users[user_id])


def _notify_swept(*, tokens: dict[str, str]) -> int:
    """Notify every timer the sweep just marked: per target type and event, one query loads the
    targets with their routing rows (a subquery on the sweep token, so no list of ids is sent) and
    one `notify_many` writes everything, so the number of queries does not grow with the timers."""
    # plain rows, not model instances: a sweep may mark tens of thousands of timers at once
    rows = SlaTimer.objects.filter(sweep_token__in=list(tokens)).values_list(
        "target_type_id", "target_id", "sweep_token", "policy__name", "due_at"
    )
    groups: dict[tuple[int, str], list[tuple[int, str, datetime]]] = {}
    for type_id, target_id, token, policy, due_at in rows.iterator(chunk_size=5000):
        groups.setdefault((type_id, token), []).append((target_id, policy, due_at))
    if not groups:
        return 0
    sent = 0
    for (type_id, token), items in groups.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        joined, people = _routing_paths(model)
        manager = model._default_manager.select_related(*joined) if joined else model._default_manager.all()
        swept = SlaTimer.objects.filter(sweep_token=token, target_type_id=type_id).values("target_id")
        loaded = list(manager.filter(pk__in=swept))
        _users_attach(loaded, people)
        targets = {t.pk: t for t in loaded}
        notices = [
            notifications.Notice(
                target=targets[target_id],
                context={
                    "policy": policy or "",
                    "due_at": due_at.isoformat(),
                    "detail": f"{policy or ''} due {due_at:%Y-%m-%d %H:%M} UTC",
                },
            )
            for target_id, policy, due_at in items
            if target_id in targets
        ]
        sent += notifications.notify_many(event=tokens[token], notices=notices)
    return sent
