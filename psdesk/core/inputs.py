"""Input that PS Desk can store: text checks and the API's date and time input types.

Text: a NUL character or a lone UTF-16 surrogate cannot be stored (PostgreSQL refuses NUL in text,
UTF-8 cannot encode a surrogate), so `text_refusal` names them and `first_unrepresentable` finds the
first such string in a parsed JSON body or a form; the middleware answers 400 before any view runs.

Times: `LocalTime` is a wall-clock time without an offset (calendar working hours are local to the
calendar's timezone); `AwareDateTime` is an instant with an explicit UTC offset within the range real
timezones use (-12:00 to +14:00, accepted within +-14:00); `IsoDate` is an ISO 8601 calendar date, never a
number. Each refusal is a pydantic error, so the API answers 422 naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

MAX_OFFSET = timedelta(hours=14)
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_refusal(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if _SURROGATE.search(value):
        return "contains an unpaired surrogate (not valid Unicode text)"
    return None


def first_unrepresentable(data: Any, path: str = "") -> tuple[str, str] | None:
    """(field path, reason) of the first key, string or whole number in `data` that cannot be stored
    (a number outside the 64-bit range of a database integer)."""
    if isinstance(data, int) and not isinstance(data, bool) and not MIN_INT <= data <= MAX_INT:
        return (path or "(value)", "is a number too large to store")
    if isinstance(data, str):
        reason = text_refusal(data)
        return (path or "(value)", reason) if reason else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (reason := text_refusal(key)):
                return (path or "(key)", f"a field name {reason}")
            if found := first_unrepresentable(value, sub):
                return found
        return None
    if isinstance(data, Iterable) and not isinstance(data, bytes | bytearray):
        for i, value in enumerate(data):
            if found := first_unrepresentable(value, f"{path}.{i}" if path else str(i)):
                return found
    return None


def _no_offset(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a local time without a UTC offset (e.g. 09:00); the calendar's timezone applies")
    return value


def _offset_in_range(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("give a UTC offset (e.g. 2027-01-04T09:00:00Z or +01:00)")
    if abs(offset) > MAX_OFFSET:
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("give a date as YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?$")


def _iso_datetime_text(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError("give a date and time as ISO 8601, e.g. 2027-01-04T09:00:00Z")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("give a date and time as ISO 8601, e.g. 2027-01-04T09:00:00Z")
    return value


_LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"

LocalTime = Annotated[
    time,
    AfterValidator(_no_offset),
    WithJsonSchema({"type": "string", "pattern": _LOCAL_TIME, "description": "local time, HH:MM[:SS]"}),
]
AwareDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_datetime_text),
    AfterValidator(_offset_in_range),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
IsoDate = Annotated[date, BeforeValidator(_iso_date_text), WithJsonSchema({"type": "string", "format": "date"})]
