"""Business calendar: fixed cases around public holidays and DST in New York and Bavaria, and
pandas' CustomBusinessHour / CustomBusinessDay as an independent oracle on generated instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psdesk.core.calendar import BUSINESS_DAYS, WORKING_HOURS, BusinessCalendar, CalendarError

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
US_NY = BusinessCalendar.build(country="US", subdivision="NY", timezone="America/New_York")
DE_BY = BusinessCalendar.build(country="DE", subdivision="BY", timezone="Europe/Berlin")


@pytest.mark.parametrize(
    ("cal", "tz", "start", "unit", "expected"),
    [
        # New York, Friday 16:00 before Thanksgiving (Thu 26 Nov 2026)
        (US_NY, NY, datetime(2026, 11, 20, 16, tzinfo=NY), BUSINESS_DAYS, datetime(2026, 11, 25, 16, tzinfo=NY)),
        (US_NY, NY, datetime(2026, 11, 20, 16, tzinfo=NY), WORKING_HOURS, datetime(2026, 12, 4, 16, tzinfo=NY)),
        # Wednesday before Thanksgiving: Thursday is skipped
        (US_NY, NY, datetime(2026, 11, 25, 16, tzinfo=NY), BUSINESS_DAYS, datetime(2026, 12, 1, 16, tzinfo=NY)),
        # Friday after Thanksgiving (the frozen clock's day)
        (US_NY, NY, datetime(2026, 11, 27, 16, tzinfo=NY), BUSINESS_DAYS, datetime(2026, 12, 2, 16, tzinfo=NY)),
        # DST ends Sun 1 Nov 2026 and NY Election Day is Tue 3 Nov: EDT start, EST deadline
        (US_NY, NY, datetime(2026, 10, 30, 16, tzinfo=NY), BUSINESS_DAYS, datetime(2026, 11, 5, 16, tzinfo=NY)),
        # Bavaria: Whit Monday 25 May 2026
        (
            DE_BY,
            BERLIN,
            datetime(2026, 5, 22, 16, tzinfo=BERLIN),
            BUSINESS_DAYS,
            datetime(2026, 5, 28, 16, tzinfo=BERLIN),
        ),
        (
            DE_BY,
            BERLIN,
            datetime(2026, 5, 22, 16, tzinfo=BERLIN),
            WORKING_HOURS,
            datetime(2026, 6, 8, 16, tzinfo=BERLIN),
        ),
        # Bavaria: DST ends Sun 25 Oct 2026 (CEST → CET)
        (
            DE_BY,
            BERLIN,
            datetime(2026, 10, 23, 16, tzinfo=BERLIN),
            BUSINESS_DAYS,
            datetime(2026, 10, 28, 16, tzinfo=BERLIN),
        ),
        # Bavaria: DST starts Sun 29 Mar 2026 (CET → CEST)
        (
            DE_BY,
            BERLIN,
            datetime(2026, 3, 27, 16, tzinfo=BERLIN),
            BUSINESS_DAYS,
            datetime(2026, 4, 1, 16, tzinfo=BERLIN),
        ),
        # Bavaria: Christmas and New Year; Friday 1 Jan 2027 is itself a holiday
        (
            DE_BY,
            BERLIN,
            datetime(2026, 12, 23, 16, tzinfo=BERLIN),
            BUSINESS_DAYS,
            datetime(2026, 12, 29, 16, tzinfo=BERLIN),
        ),
        (DE_BY, BERLIN, datetime(2027, 1, 1, 16, tzinfo=BERLIN), BUSINESS_DAYS, datetime(2027, 1, 8, 0, tzinfo=BERLIN)),
    ],
)
def test_72_business_hours_from_the_given_instant_land_on_the_expected_wall_clock_time(
    cal: BusinessCalendar, tz: ZoneInfo, start: datetime, unit: str, expected: datetime
) -> None:
    begin = start
    due = cal.add(begin, hours=72, unit=unit)
    assert due.tzinfo is UTC
    assert due.astimezone(tz).replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert cal.between(begin, due, unit=unit) == timedelta(hours=72)


def test_the_working_hours_case_around_whit_monday_is_read_off_by_hand() -> None:
    # Fri 22 May 16:00: 1 h Friday; Whit Monday off; Tue-Fri 32 h (33); Mon-Wed 1-3 Jun 24 h (57);
    # Thu 4 Jun Corpus Christi off; Fri 5 Jun 8 h (65); Mon 8 Jun 7 h → 16:00.
    due = DE_BY.add(datetime(2026, 5, 22, 16, tzinfo=BERLIN), hours=72, unit=WORKING_HOURS)
    assert due.astimezone(BERLIN) == datetime(2026, 6, 8, 16, tzinfo=BERLIN)


def test_a_deadline_across_the_autumn_dst_change_keeps_its_wall_clock_time_and_moves_in_utc() -> None:
    due = US_NY.add(datetime(2026, 10, 30, 20, 0, tzinfo=UTC), hours=72, unit=BUSINESS_DAYS)  # 16:00 EDT
    assert due == datetime(2026, 11, 5, 21, 0, tzinfo=UTC)  # 16:00 EST


def test_thanksgiving_and_weekends_are_not_business_days_but_the_friday_after_is() -> None:
    assert not US_NY.is_business_day(date(2026, 11, 26))
    assert US_NY.is_business_day(date(2026, 11, 27))
    assert not US_NY.is_business_day(date(2026, 11, 28))
    assert not DE_BY.is_business_day(date(2026, 1, 6))  # Epiphany in Bavaria only
    berlin = BusinessCalendar.build(country="DE", subdivision="BE", timezone="Europe/Berlin")
    assert berlin.is_business_day(date(2026, 1, 6))


def test_company_closures_are_skipped_like_holidays() -> None:
    cal = BusinessCalendar.build(
        country="US", subdivision="NY", timezone="America/New_York", closures=[date(2026, 11, 23)]
    )
    due = cal.add(datetime(2026, 11, 20, 16, tzinfo=NY), hours=72, unit=BUSINESS_DAYS)
    assert due.astimezone(NY) == datetime(2026, 11, 27, 16, tzinfo=NY)  # same zone: compares wall clocks


def test_an_instant_inside_a_weekend_starts_counting_on_monday_morning() -> None:
    due = US_NY.add(datetime(2026, 11, 21, 12, tzinfo=NY), hours=1, unit=WORKING_HOURS)
    assert due.astimezone(NY) == datetime(2026, 11, 23, 10, tzinfo=NY)  # same zone: compares wall clocks
    assert US_NY.between(
        datetime(2026, 11, 21, tzinfo=NY), datetime(2026, 11, 23, 10, tzinfo=NY), unit=WORKING_HOURS
    ) == (timedelta(hours=1))


def test_between_is_negative_when_the_end_is_before_the_start() -> None:
    a, b = datetime(2026, 11, 20, 16, tzinfo=NY), datetime(2026, 11, 23, 16, tzinfo=NY)
    assert US_NY.between(b, a, unit=BUSINESS_DAYS) == -timedelta(hours=24)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"country": "XX"}, "Unknown country"),
        ({"country": "US", "subdivision": "ZZ"}, "subdivision ZZ"),
        ({"country": "US", "timezone": "Mars/Olympus"}, "Unknown timezone"),
        ({"country": "US", "work_start": time(17), "work_end": time(9)}, "start before"),
    ],
)
def test_an_unknown_region_or_timezone_or_empty_working_window_is_refused_with_a_reason(
    kwargs: dict[str, object], reason: str
) -> None:
    with pytest.raises(CalendarError, match=reason):
        BusinessCalendar.build(**kwargs)  # type: ignore[arg-type]


def test_negative_amounts_and_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        US_NY.add(datetime(2026, 11, 20, 16, tzinfo=NY), hours=-1, unit=BUSINESS_DAYS)
    with pytest.raises(ValueError):
        US_NY.add(datetime(2026, 11, 20, 16), hours=1, unit=BUSINESS_DAYS)  # noqa: DTZ001 — naive on purpose: refused


# --- the oracle ----------------------------------------------------------------------------------
def _pandas_holidays(country: str, subdiv: str) -> list[date]:
    return sorted(holidays.country_holidays(country, subdiv=subdiv, years=range(2025, 2029)).keys())


ORACLES = {
    "ny": (US_NY, NY, _pandas_holidays("US", "NY")),
    "by": (DE_BY, BERLIN, _pandas_holidays("DE", "BY")),
}


def _assert_same_business_instant(cal: BusinessCalendar, got: datetime, expected: datetime, unit: str) -> None:
    # pandas and we differ only in how a window boundary is named: we return the end of a window
    # ("Fri 17:00"), pandas sometimes the start of the next ("Mon 09:00"). No business time separates
    # them, so compare business-equivalence, and exact equality away from boundaries.
    assert cal.between(got, expected, unit=unit) == timedelta(0)
    local = got.astimezone(cal.tz).time()
    boundaries = {time(0)} if unit == BUSINESS_DAYS else {cal.work_start, cal.work_end}
    if local not in boundaries:
        assert got == expected.astimezone(UTC)


# naive wall-clock instants (Hypothesis bounds must be naive); each test applies the region's zone
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)).map(  # noqa: DTZ001
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=200, deadline=None)
@given(region=st.sampled_from(sorted(ORACLES)), start=instants, hours=st.integers(min_value=1, max_value=200))
def test_working_hours_addition_agrees_with_pandas_custom_business_hour(
    region: str, start: datetime, hours: int
) -> None:
    cal, tz, hols = ORACLES[region]
    offset = pd.offsets.CustomBusinessHour(n=hours, start="09:00", end="17:00", holidays=hols)
    expected = (pd.Timestamp(start) + offset).to_pydatetime()
    aware = start.replace(tzinfo=tz).astimezone(UTC)
    # a start in a spring-forward gap does not exist on the wall clock; compare from what it resolves to
    if aware.astimezone(tz).replace(tzinfo=None) != start:
        return
    got = cal.add(aware, hours=hours, unit=WORKING_HOURS)
    _assert_same_business_instant(cal, got, expected.replace(tzinfo=tz), WORKING_HOURS)
    assert cal.between(aware, got, unit=WORKING_HOURS) == timedelta(hours=hours)


@settings(max_examples=200, deadline=None)
@given(region=st.sampled_from(sorted(ORACLES)), start=instants, days=st.integers(min_value=1, max_value=30))
def test_business_day_addition_agrees_with_pandas_custom_business_day(region: str, start: datetime, days: int) -> None:
    cal, tz, hols = ORACLES[region]
    if not cal.is_business_day(start.date()):
        start = datetime.combine(cal.next_business_day(start.date()), start.time())
    aware = start.replace(tzinfo=tz).astimezone(UTC)
    if aware.astimezone(tz).replace(tzinfo=None) != start:
        return
    expected = (pd.Timestamp(start) + pd.offsets.CustomBusinessDay(n=days, holidays=hols)).to_pydatetime()
    got = cal.add(aware, days=days, unit=BUSINESS_DAYS)
    _assert_same_business_instant(cal, got, expected.replace(tzinfo=tz), BUSINESS_DAYS)
    assert cal.between(aware, got, unit=BUSINESS_DAYS) == timedelta(days=days)
