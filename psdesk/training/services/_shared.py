"""Checks and the `before_save` stamp shared by the training services."""

from __future__ import annotations

from datetime import date
from typing import Any

from psdesk.core import clock
from psdesk.core.calendar import CalendarError, validate_timezone
from psdesk.core.errors import ValidationFailed


def timezone_checked(name: str, field: str = "timezone") -> str:
    """The IANA timezone name, or ValidationFailed on `field`."""
    try:
        validate_timezone(name)
    except CalendarError as exc:
        raise ValidationFailed(str(exc), details={"field": field}) from None
    return name


def preferred_dates_check(start: date | None, end: date | None) -> None:
    """Raises ValidationFailed when the preferred start is in the past or the end before the start."""
    if start is not None and start < clock.today():
        raise ValidationFailed("Preferred dates cannot be in the past.", details={"field": "preferred_start"})
    if start is not None and end is not None and end < start:
        raise ValidationFailed("The preferred end is before the start.", details={"field": "preferred_end"})


def state_changed_stamp(req: Any, move: Any, source: str, target: str) -> dict[str, Any]:
    """`before_save` for request moves: stamp when the state changed."""
    return {"state_changed_at": clock.now()}
