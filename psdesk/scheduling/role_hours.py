"""Role-hours as callers give them: the `LineIn` shape, its text form (`PSE:120:geo=3;ci=2,PM:20`),
its validation against the policy and the skills scheduling knows, and the allowed regions.

Used by the queue services, the CSV imports and the hypothetical-project forecast (a read), so it
sits below both services and selectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from psdesk.core.errors import ValidationFailed
from psdesk.scheduling.choices import ConsultantRole, Region
from psdesk.scheduling.models import DemandLine, ForecastPolicy, Skill


@dataclass
class LineIn:
    """Role-hours for one role: `hours` in total, optionally `weekly_hours` (default from policy)."""

    role: str
    hours: Decimal | float | int | str
    weekly_hours: Decimal | float | int | str | None = None
    skills: dict[str, int] = field(default_factory=dict)


def decimal_parse(*, value: Any, name: str) -> Decimal:
    """`value` as a finite Decimal. Raises ValidationFailed naming the field otherwise."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{name} must be a number.", details={"field": name}) from None
    if not d.is_finite():
        raise ValidationFailed(f"{name} must be a number.", details={"field": name})
    return d


def role_hours_validate(*, lines: Sequence[LineIn], policy: ForecastPolicy) -> list[LineIn]:
    """Role-hours normalised (weekly hours filled from policy). Raises ValidationFailed with a reason:
    no lines (the forecast needs role-hours), unknown role or skill, hours not positive."""
    if not lines:
        raise ValidationFailed(
            "The forecast needs role-hours: give hours by role (e.g. PSE 120, PM 20).", code="no_role_hours"
        )
    known = set(Skill.objects.values_list("name", flat=True))
    out = []
    for i, ln in enumerate(lines):
        if ln.role not in ConsultantRole.values:
            raise ValidationFailed(
                f"Unknown role '{ln.role}'. Roles: {', '.join(ConsultantRole.values)}.", details={"line": i}
            )
        hours = decimal_parse(value=ln.hours, name="hours")
        if hours <= 0:
            raise ValidationFailed(f"{ln.role} hours must be above zero.", code="no_role_hours", details={"line": i})
        weekly = (
            decimal_parse(value=ln.weekly_hours, name="weekly_hours") if ln.weekly_hours not in (None, "") else None
        )
        weekly = weekly if weekly is not None else policy.weekly_hours_for(ln.role)
        if weekly <= 0 or weekly > 80:
            raise ValidationFailed("Weekly hours must be above 0 and at most 80.", details={"line": i})
        for skill, level in (ln.skills or {}).items():
            if skill not in known:
                raise ValidationFailed(f"Unknown skill '{skill}'.", code="unknown_skill", details={"line": i})
            if not isinstance(level, int) or not 1 <= level <= 5:
                raise ValidationFailed(f"Skill level of '{skill}' must be 1 to 5.", details={"line": i})
        out.append(LineIn(ln.role, hours, weekly, dict(ln.skills or {})))
    return out


def role_hours_parse(*, text: str) -> list[LineIn]:
    """`PSE:120:geo=3;ci=2,PM:20` → role-hours lines (CLI and CSV). Raises ValidationFailed on a part
    without hours; the lines still need `role_hours_validate`."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        bits = part.split(":")
        if len(bits) < 2:
            raise ValidationFailed(f"Give role-hours as ROLE:HOURS[:skill=level;...], not '{part}'.")
        skills: dict[str, int] = {}
        if len(bits) > 2:
            for item in filter(None, bits[2].split(";")):
                k, _, v = item.partition("=")
                skills[k.strip()] = int(v) if v.strip().isdigit() else 0
        out.append(LineIn(bits[0].strip(), bits[1].strip(), None, skills))
    return out


def regions_validate(*, regions: Iterable[str]) -> str:
    """The regions as stored on a queue entry (sorted, comma-separated; empty = any region).
    Raises ValidationFailed on an unknown region."""
    regions = [r for r in regions if r]
    bad = [r for r in regions if r not in Region.values]
    if bad:
        raise ValidationFailed(f"Unknown region '{bad[0]}'. Regions: {', '.join(Region.values)}.")
    return ",".join(sorted(set(regions)))


def demand_lines_unsaved(*, lines: Sequence[LineIn]) -> list[DemandLine]:
    """Validated role-hours as unsaved `DemandLine` rows (for a forecast of a project not queued)."""
    return [
        DemandLine(
            role=ln.role, hours=Decimal(str(ln.hours)), weekly_hours=Decimal(str(ln.weekly_hours)), skills=ln.skills
        )
        for ln in lines
    ]
