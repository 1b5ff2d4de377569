"""Business time: pure, no Django.

A `BusinessCalendar` is a timezone, the public holidays of a country/subdivision (the `holidays`
package), company closure dates, and working hours. Business days are the weekdays (Mon-Fri) of the
calendar's timezone that are neither a public holiday nor a closure.

Two units (a policy names one):

* ``business_days`` — the business clock runs for the whole local day (24 hours) on business days
  and stands still on other days. "72 business hours" from Friday 16:00 is Wednesday 16:00 when
  Monday-Wednesday are business days.
* ``working_hours`` — the clock runs only inside the working window (default 09:00-17:00) of
  business days.

DST: business time is measured on the local wall clock. A business day is always 24 business hours
and the working window always 8, even on the 23- or 25-hour days of a DST change, so a deadline keeps
its wall-clock time ("Wednesday 16:00") across the change. Results are aware datetimes in UTC; an
instant that falls in a spring-forward gap resolves with the offset before the change.

    cal = BusinessCalendar.build(country="US", subdivision="NY", timezone="America/New_York")
    due = cal.add(start, hours=72, unit=BUSINESS_DAYS)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

BUSINESS_DAYS = "business_days"
WORKING_HOURS = "working_hours"
UNITS = (BUSINESS_DAYS, WORKING_HOURS)

_DAY = timedelta(days=1)
_ZERO = timedelta(0)


class CalendarError(ValueError):
    """A calendar that cannot be built (unknown country, subdivision or timezone, bad hours)."""


@functools.lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError as exc:
        raise CalendarError(str(exc)) from None
    return frozenset(found.keys())


def validate_region(country: str, subdivision: str = "") -> None:
    """Raise CalendarError with a reason when `holidays` does not know the country/subdivision."""
    if not country:
        raise CalendarError("A calendar needs a country code (ISO 3166-1 alpha-2, e.g. 'US', 'DE').")
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision or None, years=2026)
    except NotImplementedError as exc:
        raise CalendarError(f"Unknown country or subdivision: {exc}") from None


def validate_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"Unknown timezone '{name}'.") from None


@dataclass(eq=False)
class BusinessCalendar:
    """A business calendar. Build with `BusinessCalendar.build(...)`; immutable by convention."""

    tz: ZoneInfo
    country: str = ""
    subdivision: str = ""
    closures: frozenset[date] = frozenset()
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    _off_cache: dict[date, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        *,
        country: str = "",
        subdivision: str = "",
        timezone: str = "UTC",
        closures: Iterable[date] = (),
        work_start: time = time(9, 0),
        work_end: time = time(17, 0),
    ) -> BusinessCalendar:
        """Raises CalendarError for an unknown country/subdivision/timezone or an empty working window."""
        tz = validate_timezone(timezone)
        country, subdivision = country.strip().upper(), subdivision.strip().upper()
        if country:
            validate_region(country, subdivision)
        if not work_start < work_end:
            raise CalendarError("Working hours must start before they end (e.g. 09:00-17:00).")
        return cls(
            tz=tz,
            country=country,
            subdivision=subdivision,
            closures=frozenset(closures),
            work_start=work_start,
            work_end=work_end,
        )

    # --- days -------------------------------------------------------------------------------
    def is_business_day(self, day: date) -> bool:
        """A weekday that is neither a public holiday nor a company closure."""
        off = self._off_cache.get(day)
        if off is None:
            off = (
                day.weekday() >= 5
                or day in self.closures
                or (bool(self.country) and day in _holiday_dates(self.country, self.subdivision, day.year))
            )
            self._off_cache[day] = off
        return not off

    def next_business_day(self, day: date) -> date:
        """`day` itself when it is a business day, else the next one."""
        for _ in range(3660):
            if self.is_business_day(day):
                return day
            day += _DAY
        raise CalendarError("no business day within ten years")  # every day closed: a configuration error

    # --- conversions ------------------------------------------------------------------------
    def _local(self, at: datetime) -> datetime:
        """Naive local wall-clock time of an aware instant."""
        if at.tzinfo is None:
            raise ValueError("business time needs aware datetimes")
        return at.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def _window(self, day: date, unit: str) -> tuple[datetime, datetime]:
        if unit == BUSINESS_DAYS:
            start = datetime.combine(day, time(0))
            return start, start + _DAY
        if unit == WORKING_HOURS:
            return datetime.combine(day, self.work_start), datetime.combine(day, self.work_end)
        raise ValueError(f"unknown unit {unit!r}; use one of {UNITS}")

    # --- arithmetic -------------------------------------------------------------------------
    def add(self, start: datetime, amount: timedelta | None = None, *, unit: str, **kwargs: float) -> datetime:
        """The instant at which `amount` (or hours=/minutes=/days= kwargs; days mean 24 hours) of
        business time has elapsed after `start`. A zero amount returns `start` unchanged; landing
        exactly on the end of a window returns that end (pandas' convention)."""
        remaining = amount if amount is not None else timedelta(**kwargs)
        if remaining < _ZERO:
            raise ValueError("business time to add must not be negative")
        if remaining == _ZERO:
            return start
        t = self._local(start)
        day = t.date()
        while True:
            if self.is_business_day(day):
                lo, hi = self._window(day, unit)
                if t < lo:
                    t = lo
                if t < hi:
                    available = hi - t
                    if remaining <= available:
                        return self._aware(t + remaining)
                    remaining -= available
            day += _DAY
            t = datetime.combine(day, time(0))

    def between(self, start: datetime, end: datetime, *, unit: str) -> timedelta:
        """Business time elapsed from `start` to `end`; negative when `end` is before `start`."""
        if end < start:
            return -self.between(end, start, unit=unit)
        a, b = self._local(start), self._local(end)
        total = _ZERO
        day = a.date()
        last = b.date()
        while day <= last:
            if self.is_business_day(day):
                lo, hi = self._window(day, unit)
                lo, hi = max(lo, a), min(hi, b)
                if hi > lo:
                    total += hi - lo
            day += _DAY
        return total


UTC_CALENDAR = BusinessCalendar(tz=ZoneInfo("UTC"))
