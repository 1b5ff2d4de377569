"""Writes of the resource directory: consultants (create, update, deactivate), their skills and cost
rates, and time off requested by the consultant and decided by the Project Coordinator.

Every write records an audit row with the changed fields before and after, in the same
transaction; a change the forecast reads (capacity, utilisation, role, region, holidays, clearance,
skills, active, approved time off) asks the worker for a recompute after commit, so the next run
reflects it. Bad input raises ValidationFailed naming the field (`details["field"]`)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.money import MoneyError, to_decimal
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.notifications.services import notify
from psdesk.scheduling.choices import ConsultantRole, Region, TimeOffStatus
from psdesk.scheduling.models import Consultant, ConsultantCostRate, ConsultantSkill, Skill, TimeOff
from psdesk.scheduling.services.notices import coordinators_notify
from psdesk.scheduling.services.recompute import forecast_recompute_request

# Fields a person edits directly (the rest: skills, cost rate, active, have their own rules).
PLAIN_FIELDS = (
    "name",
    "email",
    "role",
    "region",
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "weekly_capacity_hours",
    "utilisation_target",
    "us_citizen",
    "cleared",
)
# What the forecast reads: a change to one of these recomputes it.
FORECAST_FIELDS = frozenset(
    {
        "role",
        "region",
        "holiday_country",
        "holiday_subdivision",
        "weekly_capacity_hours",
        "utilisation_target",
        "us_citizen",
        "cleared",
        "skills",
        "active",
    }
)
MAX_WEEKLY_HOURS = Decimal("80")
MAX_TIME_OFF_DAYS = 366


@dataclass(frozen=True)
class CostRateIn:
    """A consultant's own hourly cost rate from `effective_from` (default today)."""

    rate: Decimal | str
    currency: str = "USD"
    effective_from: date | None = None


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code="invalid_field", details={"field": field})


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _decimal(value: Any, field: str, lo: Decimal, hi: Decimal, places: int) -> Decimal:
    try:
        d = to_decimal(value, places=places, field=field)
    except MoneyError as exc:
        raise _bad(field, str(exc).split(": ", 1)[-1]) from None
    if not lo <= d <= hi:
        raise _bad(field, f"must be between {lo} and {hi}")
    return d


def _name_clean(value: Any, instance: Consultant | None) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 200:
        raise _bad("name", "give a name of 1 to 200 characters")
    return text


def _email_clean(value: Any, instance: Consultant | None) -> str:
    text = str(value or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        raise _bad("email", f"'{value}' is not an email address") from None
    clash = Consultant.objects.filter(email__iexact=text)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _bad("email", f"{text} is already another consultant's email")
    return text


def _choice_clean(field: str, values: list[str]) -> Callable[[Any, Consultant | None], str]:
    def clean(value: Any, instance: Consultant | None) -> str:
        if value not in values:
            raise _bad(field, f"unknown {field} '{value}' (one of {', '.join(values)})")
        return str(value)

    return clean


def _timezone_clean(value: Any, instance: Consultant | None) -> str:
    if value not in _timezones():
        raise _bad("timezone", f"'{value}' is not an IANA time zone such as Europe/Berlin")
    return str(value)


def _country_clean(value: Any, instance: Consultant | None) -> str:
    text = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        raise _bad("holiday_country", "give an ISO 3166-1 alpha-2 country code such as DE")
    return text


def _bool_clean(field: str) -> Callable[[Any, Consultant | None], bool]:
    def clean(value: Any, instance: Consultant | None) -> bool:
        if not isinstance(value, bool):
            raise _bad(field, "must be true or false")
        return value

    return clean


CLEANERS: dict[str, Callable[[Any, Consultant | None], Any]] = {
    "name": _name_clean,
    "email": _email_clean,
    "role": _choice_clean("role", list(ConsultantRole.values)),
    "region": _choice_clean("region", list(Region.values)),
    "timezone": _timezone_clean,
    "holiday_country": _country_clean,
    "holiday_subdivision": lambda v, _i: str(v or "").strip().upper(),
    "weekly_capacity_hours": lambda v, _i: _decimal(v, "weekly_capacity_hours", Decimal("0"), MAX_WEEKLY_HOURS, 2),
    "utilisation_target": lambda v, _i: _decimal(v, "utilisation_target", Decimal("0"), Decimal("1"), 3),
    "us_citizen": _bool_clean("us_citizen"),
    "cleared": _bool_clean("cleared"),
}


def _clean(field: str, value: Any, *, instance: Consultant | None) -> Any:
    """One field's value, validated and normalised. Raises ValidationFailed naming the field."""
    return CLEANERS[field](value, instance)


def _subdivision_check(country: str, subdivision: str) -> None:
    """A subdivision must be one the holiday calendar of a supported country knows."""
    if not subdivision:
        return
    import holidays  # noqa: PLC0415 — slow to import; only a subdivision check needs it

    supported = holidays.list_supported_countries()
    if country in supported and subdivision not in supported[country]:
        raise _bad("holiday_subdivision", f"'{subdivision}' is not a subdivision of {country}'s holiday calendar")


def _skills_clean(skills: dict[str, Any]) -> dict[Skill, int]:
    if not isinstance(skills, dict):
        raise _bad("skills", "give skills as {name: level}")
    catalogue = {s.name: s for s in Skill.objects.filter(name__in=list(skills))}
    out: dict[Skill, int] = {}
    for name, level in skills.items():
        if name not in catalogue:
            raise _bad("skills", f"'{name}' is not in the skill catalogue (the admin adds skills)")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise _bad("skills", f"the level of {name} must be a whole number from 1 to 5")
        out[catalogue[name]] = level
    return out


def _cost_rate_clean(rate: CostRateIn) -> tuple[Decimal, str, date]:
    amount = _decimal(rate.rate, "cost_rate", Decimal("0"), Decimal("99999999.99"), 2)
    currency = str(rate.currency or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _bad("cost_rate.currency", "give an ISO 4217 currency code such as USD")
    return amount, currency, rate.effective_from or clock.today()


def _user_clean(username: str | None, *, instance: Consultant | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise _bad("user", f"no user '{username}'")
    clash = Consultant.objects.filter(user=user)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _bad("user", f"{username} is already linked to another consultant")
    return user


def _skills_of(c: Consultant) -> dict[str, int]:
    return {cs.skill.name: cs.level for cs in c.skills.select_related("skill").order_by("skill__name")}


def _rate_text(c: Consultant) -> dict[str, str] | None:
    row = c.cost_rates.order_by("-effective_from").first()
    if row is None:
        return None
    return {"rate": str(row.rate), "currency": row.currency, "effective_from": row.effective_from.isoformat()}


def consultant_create(
    *,
    actor: Actor | None,
    name: str,
    email: str,
    role: str,
    region: str = Region.AMER,
    timezone: str = "America/New_York",
    holiday_country: str = "US",
    holiday_subdivision: str = "",
    weekly_capacity_hours: Decimal | str = Decimal("40"),
    utilisation_target: Decimal | str = Decimal("0.70"),
    us_citizen: bool = False,
    cleared: bool = False,
    username: str | None = None,
    skills: dict[str, int] | None = None,
    cost_rate: CostRateIn | None = None,
) -> Consultant:
    """Create a consultant with skills and an optional own cost rate. Audited as
    `scheduling.consultant_created` (the new values); the forecast is recomputed after commit.
    Raises ValidationFailed naming the first bad field; nothing is saved then."""
    given: dict[str, Any] = {
        "name": name,
        "email": email,
        "role": role,
        "region": region,
        "timezone": timezone,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
        "weekly_capacity_hours": weekly_capacity_hours,
        "utilisation_target": utilisation_target,
        "us_citizen": us_citizen,
        "cleared": cleared,
    }
    values = {f: _clean(f, given[f], instance=None) for f in PLAIN_FIELDS}
    _subdivision_check(values["holiday_country"], values["holiday_subdivision"])
    levels = _skills_clean(skills or {})
    rate = _cost_rate_clean(cost_rate) if cost_rate is not None else None
    user = _user_clean(username, instance=None)
    with transaction.atomic():
        c = Consultant.objects.create(user=user, **values)
        ConsultantSkill.objects.bulk_create(
            ConsultantSkill(consultant=c, skill=s, level=lv) for s, lv in levels.items()
        )
        if rate is not None:
            ConsultantCostRate.objects.create(consultant=c, rate=rate[0], currency=rate[1], effective_from=rate[2])
        audit_record(
            verb="scheduling.consultant_created",
            actor=actor,
            target=c,
            after={
                **values,
                "user": username or None,
                "skills": {s.name: lv for s, lv in levels.items()},
                "cost_rate": _rate_text(c),
            },
        )
        forecast_recompute_request()
    return c


def consultant_update(
    *,
    consultant_id: int,
    actor: Actor | None,
    changes: dict[str, Any],
    skills: dict[str, int] | None = None,
    cost_rate: CostRateIn | None = None,
    username: str | None = None,
    unlink_user: bool = False,
    expected_version: int | None = None,
) -> Consultant:
    """Change a consultant's fields (`changes` keyed by PLAIN_FIELDS), replace their skills
    (`skills`, the whole set), add an own cost rate from a date (`cost_rate`), or link/unlink a user.
    Locks the row; a stale `expected_version` is refused (Conflict, 409). Audited as
    `scheduling.consultant_updated` with before/after of the fields that changed (no row when
    nothing changed); the forecast is recomputed after commit when a field it reads changed.
    Raises ValidationFailed naming the first bad field (nothing saved), NotFound."""
    unknown = sorted(set(changes) - set(PLAIN_FIELDS))
    if unknown:
        raise _bad(unknown[0], "is not a field of a consultant that can be changed")
    with transaction.atomic():
        c = Consultant.objects.select_for_update(of=("self",)).filter(pk=consultant_id).first()
        if c is None:
            raise NotFound("Consultant not found.", code="consultant_not_found")
        if expected_version is not None and expected_version != c.version:
            raise Conflict(
                "Someone changed this consultant since you loaded it; reload and try again.",
                code="stale_version",
                details={"version": c.version},
            )
        values = {f: _clean(f, v, instance=c) for f, v in changes.items()}
        _subdivision_check(
            values.get("holiday_country", c.holiday_country), values.get("holiday_subdivision", c.holiday_subdivision)
        )
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for f, v in values.items():
            if getattr(c, f) != v:
                before[f], after[f] = getattr(c, f), v
                setattr(c, f, v)
        if skills is not None:
            levels = _skills_clean(skills)
            old = _skills_of(c)
            new = {s.name: lv for s, lv in sorted(levels.items(), key=lambda kv: kv[0].name)}
            if old != new:
                c.skills.all().delete()
                ConsultantSkill.objects.bulk_create(
                    ConsultantSkill(consultant=c, skill=s, level=lv) for s, lv in levels.items()
                )
                before["skills"], after["skills"] = old, new
        if cost_rate is not None:
            amount, currency, since = _cost_rate_clean(cost_rate)
            old_rate = _rate_text(c)
            ConsultantCostRate.objects.update_or_create(
                consultant=c, effective_from=since, defaults={"rate": amount, "currency": currency}
            )
            new_rate = _rate_text(c)
            if old_rate != new_rate:
                before["cost_rate"], after["cost_rate"] = old_rate, new_rate
        if username or unlink_user:
            user = None if unlink_user else _user_clean(username, instance=c)
            if user != c.user:
                before["user"] = c.user.get_username() if c.user else None
                after["user"] = user.get_username() if user else None
                c.user = user
        if not after:
            return c
        c.version += 1
        c.save()
        audit_record(verb="scheduling.consultant_updated", actor=actor, target=c, before=before, after=after)
        if FORECAST_FIELDS & set(after):
            forecast_recompute_request()
    return c


def consultant_deactivate(*, consultant_id: int, actor: Actor | None, reason: str = "") -> Consultant:
    """Take a consultant out of the directory's active list and the forecast's capacity (their
    history stays). Refused (Conflict) when already inactive. Audited as
    `scheduling.consultant_deactivated`; recomputes the forecast after commit."""
    with transaction.atomic():
        c = Consultant.objects.select_for_update(of=("self",)).filter(pk=consultant_id).first()
        if c is None:
            raise NotFound("Consultant not found.", code="consultant_not_found")
        if not c.active:
            raise Conflict(f"{c.name} is already inactive.", code="already_inactive")
        c.active = False
        c.version += 1
        c.save(update_fields=["active", "version"])
        audit_record(
            verb="scheduling.consultant_deactivated",
            actor=actor,
            target=c,
            before={"active": True},
            after={"active": False},
            reason=reason.strip()[:500],
        )
        forecast_recompute_request()
    return c


# --- time off: the consultant asks, the Project Coordinator decides -----------------------------


def time_off_request(
    *, consultant: Consultant, starts_on: date, ends_on: date, reason: str = "", actor: Actor
) -> TimeOff:
    """A consultant asks for time off (their own: `actor` is the consultant's linked user, holding
    `scheduling.request_timeoff`). It waits for the Project Coordinator (My work) and does not
    leave capacity until approved. Audited as `scheduling.time_off_requested`; the coordinators are
    notified. Raises PermissionDenied (not their own), ValidationFailed naming the field (order,
    the past, longer than a year), Conflict (overlaps time off already requested or approved)."""
    permission_require(actor, "scheduling.request_timeoff")
    if consultant.user_id != actor.pk:
        raise PermissionDenied("You may request time off only for yourself.")
    if starts_on < clock.today():
        raise _bad("starts_on", "time off cannot start in the past")
    if ends_on < starts_on:
        raise _bad("ends_on", "time off cannot end before it starts")
    if (ends_on - starts_on) > timedelta(days=MAX_TIME_OFF_DAYS):
        raise _bad("ends_on", f"ask for at most {MAX_TIME_OFF_DAYS} days at once")
    reason = reason.strip()
    if len(reason) > 200:
        raise _bad("reason", "at most 200 characters")
    with transaction.atomic():
        Consultant.objects.select_for_update(of=("self",)).get(pk=consultant.pk)
        overlap = consultant.time_off.filter(
            status__in=[TimeOffStatus.REQUESTED, TimeOffStatus.APPROVED], starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlap is not None:
            raise Conflict(
                f"You already have time off from {overlap.starts_on} to {overlap.ends_on} ({overlap.status}).",
                code="time_off_overlap",
                details={"time_off_id": overlap.pk},
            )
        t = TimeOff.objects.create(
            consultant=consultant, starts_on=starts_on, ends_on=ends_on, reason=reason, requested_by=actor
        )
        audit_record(
            verb="scheduling.time_off_requested",
            actor=actor,
            target=consultant,
            after={"time_off": t.pk, "starts_on": starts_on, "ends_on": ends_on, "reason": reason, "status": t.status},
        )
        coordinators_notify(
            event="time_off.requested",
            target=consultant,
            actor=actor,
            context={
                "consultant": consultant.name,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "reason": reason,
            },
        )
    return t


def time_off_decide(*, time_off_id: int, approve: bool, actor: Actor, reason: str = "") -> TimeOff:
    """The Project Coordinator approves or refuses a time-off request (`scheduling.decide_timeoff`).
    A refusal needs a reason (ValidationFailed naming `reason`); a decided request is refused
    (Conflict). Audited as `scheduling.time_off_approved` / `_refused` with the status before and
    after; the consultant is notified (in-app and email). Approved time off leaves capacity in the
    next forecast, recomputed after commit."""
    permission_require(actor, "scheduling.decide_timeoff")
    reason = reason.strip()
    if not approve and not reason:
        raise _bad("reason", "say why the time off is refused")
    if len(reason) > 500:
        raise _bad("reason", "at most 500 characters")
    with transaction.atomic():
        t = TimeOff.objects.select_for_update(of=("self",)).select_related("consultant").filter(pk=time_off_id).first()
        if t is None:
            raise NotFound("Time off not found.", code="time_off_not_found")
        if t.status != TimeOffStatus.REQUESTED:
            raise Conflict(f"This time off is already {t.status}.", code="time_off_decided")
        t.status = TimeOffStatus.APPROVED if approve else TimeOffStatus.REFUSED
        t.decided_by, t.decided_at, t.decision_reason = actor, clock.now(), reason
        t.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        c = t.consultant
        audit_record(
            verb=f"scheduling.time_off_{t.status}",
            actor=actor,
            target=c,
            before={"time_off": t.pk, "status": TimeOffStatus.REQUESTED},
            after={"time_off": t.pk, "status": t.status, "starts_on": t.starts_on, "ends_on": t.ends_on},
            reason=reason,
        )
        if c.user is not None:
            notify(
                event="time_off.decided",
                target=c,
                actor=actor,
                recipients=[c.user],
                owners=False,
                link=reverse("scheduling:time_off_mine"),
                context={
                    "decision": "approved" if approve else "refused",
                    "starts_on": t.starts_on.isoformat(),
                    "ends_on": t.ends_on.isoformat(),
                    "reason": reason,
                },
            )
        if approve:
            forecast_recompute_request()
    return t
