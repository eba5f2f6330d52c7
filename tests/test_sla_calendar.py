"""Working-time calendar: worked examples, an independent per-day oracle and round-trip properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.rules.sla_calendar import WorkingCalendar, parse_calendar_csv

SH = ZoneInfo("Asia/Shanghai")
HOURS = "09:00-12:00,13:00-17:00"  # 7 working hours a day
HOUR = 3600.0

# 2026 National Day, as labelled here: Thu Oct 1 - Wed Oct 7 off; make-up working days on
# Sun Sept 27 and Sat Oct 10. The weekdays are asserted in test_calendar_dates_are_labelled_right.
NATIONAL_DAY = {date(2026, 10, d): False for d in range(1, 8)} | {
    date(2026, 9, 27): True,
    date(2026, 10, 10): True,
}
CAL = WorkingCalendar.from_setting(HOURS, NATIONAL_DAY)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_calendar_dates_are_labelled_right() -> None:
    assert date(2026, 9, 28).weekday() == 0  # Monday, per the brief
    assert date(2026, 9, 27).weekday() == 6  # Sunday: make-up working day
    assert date(2026, 10, 1).weekday() == 3  # Thursday: holiday starts
    assert [date(2026, 10, d).weekday() for d in (3, 4)] == [5, 6]  # weekend inside the holiday
    assert date(2026, 10, 8).weekday() == 3  # Thursday: first day back
    assert date(2026, 10, 10).weekday() == 5  # Saturday: make-up working day
    assert date(2026, 11, 20).weekday() == 4  # Friday, used in the weekend examples


def test_is_working_day() -> None:
    assert CAL.is_working_day(date(2026, 11, 23))  # ordinary Monday
    assert not CAL.is_working_day(date(2026, 11, 21))  # ordinary Saturday
    assert not CAL.is_working_day(date(2026, 10, 1))  # holiday on a Thursday
    assert CAL.is_working_day(date(2026, 9, 27))  # make-up Sunday
    assert CAL.is_working_day(date(2026, 10, 10))  # make-up Saturday


@pytest.mark.parametrize(
    ("start", "seconds", "expected"),
    [
        (sh(2026, 11, 20, 16), 2 * HOUR, sh(2026, 11, 23, 10)),  # Fri 16:00 + 2h -> Mon 10:00
        (sh(2026, 11, 23, 12, 30), HOUR, sh(2026, 11, 23, 14)),  # from lunch: clock starts 13:00
        (sh(2026, 11, 23, 7), HOUR, sh(2026, 11, 23, 10)),  # before work
        (sh(2026, 11, 23, 18), HOUR, sh(2026, 11, 24, 10)),  # after work
        (sh(2026, 11, 23, 23, 30), 1800, sh(2026, 11, 24, 9, 30)),  # across midnight
        (sh(2026, 11, 23, 11), HOUR, sh(2026, 11, 23, 12)),  # filling a span ends at its close...
        (sh(2026, 11, 23, 16), HOUR, sh(2026, 11, 23, 17)),  # ...not at the next span's start
        (sh(2026, 11, 23, 11), 2 * HOUR, sh(2026, 11, 23, 14)),  # lunch is skipped
        (sh(2026, 11, 23, 9), 7 * HOUR, sh(2026, 11, 23, 17)),  # one full day
        (sh(2026, 9, 30, 16), 2 * HOUR, sh(2026, 10, 8, 10)),  # Wed before National Day -> Thu after
        (sh(2026, 10, 1, 10), HOUR, sh(2026, 10, 8, 10)),  # starting on a weekday holiday
        (sh(2026, 10, 3, 10), HOUR, sh(2026, 10, 8, 10)),  # starting on a weekend holiday
        (sh(2026, 9, 25, 16), 2 * HOUR, sh(2026, 9, 27, 10)),  # make-up Sunday counts
        (sh(2026, 10, 9, 16), 2 * HOUR, sh(2026, 10, 10, 10)),  # make-up Saturday counts
        (sh(2026, 9, 26, 8), HOUR, sh(2026, 9, 27, 10)),  # Saturday start -> make-up Sunday
        (sh(2026, 1, 5, 9), 400 * HOUR, sh(2026, 3, 25, 10)),  # 57 full days + 1h, no exceptions
    ],
)
def test_add_working_time_examples(start: datetime, seconds: float, expected: datetime) -> None:
    result = CAL.add_working_time(start, seconds)
    assert result == expected
    assert result.tzinfo is UTC


def test_add_working_time_accepts_any_timezone() -> None:
    # Sun 23:00 UTC is already Mon 07:00 in Shanghai.
    assert CAL.add_working_time(datetime(2026, 11, 22, 23, tzinfo=UTC), HOUR) == sh(2026, 11, 23, 10)
    new_york = timezone(timedelta(hours=-5))
    # Fri 03:00 in UTC-5 is Fri 16:00 in Shanghai.
    start = datetime(2026, 11, 20, 3, tzinfo=new_york)
    assert CAL.add_working_time(start, 2 * HOUR) == sh(2026, 11, 23, 10)


def test_add_zero_does_not_move_the_clock() -> None:
    saturday = sh(2026, 11, 21, 10)
    result = CAL.add_working_time(saturday, 0)
    assert result == saturday and result.tzinfo is UTC


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(datetime(2026, 11, 23, 10), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_seconds_between(datetime(2026, 11, 23, 10), sh(2026, 11, 24))
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_time(sh(2026, 11, 23, 10), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_time(sh(2026, 11, 23, 10), float("nan"))


def test_working_seconds_between() -> None:
    assert CAL.working_seconds_between(sh(2026, 11, 20, 16), sh(2026, 11, 23, 10)) == 2 * HOUR
    assert CAL.working_seconds_between(sh(2026, 11, 20, 12, 30), sh(2026, 11, 23, 9, 30)) == 4.5 * HOUR
    assert CAL.working_seconds_between(sh(2026, 11, 21), sh(2026, 11, 23)) == 0  # whole weekend
    assert CAL.working_seconds_between(sh(2026, 11, 23, 12), sh(2026, 11, 23, 13)) == 0  # lunch
    assert CAL.working_seconds_between(sh(2026, 11, 24), sh(2026, 11, 23)) == 0  # end before start
    # Sept 30 and Oct 8 only; [start, end) so Oct 9 09:00 adds nothing.
    assert CAL.working_seconds_between(sh(2026, 9, 30, 9), sh(2026, 10, 9, 9)) == 14 * HOUR
    assert CAL.working_days_between(sh(2026, 9, 30, 9), sh(2026, 10, 9, 9)) == 2.0
    assert CAL.working_days_between(sh(2026, 9, 25, 9), sh(2026, 9, 28, 10, 30)) == pytest.approx(2 + 1.5 / 7)
    # Same instant, different zones: Mon 09:00-10:00 Shanghai is 01:00-02:00 UTC.
    assert CAL.working_seconds_between(sh(2026, 11, 23, 9), datetime(2026, 11, 23, 2, tzinfo=UTC)) == HOUR


def test_five_years_matches_a_day_count() -> None:
    start, end = date(2026, 1, 1), date(2031, 1, 1)
    days = (start + timedelta(n) for n in range((end - start).days))
    working_days = sum(1 for d in days if d.weekday() < 5) - 5 + 2  # 5 weekday holidays, 2 make-up days
    seconds = CAL.working_seconds_between(sh(2026, 1, 1), sh(2031, 1, 1))
    assert seconds == working_days * 7 * HOUR
    assert CAL.add_working_time(sh(2026, 1, 1), seconds) == sh(2030, 12, 31, 17)


def test_working_day_seconds() -> None:
    assert CAL.working_day_seconds == 7 * HOUR


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (sh(2026, 11, 23, 10, 15), sh(2026, 11, 23, 10, 15)),  # already working
        (sh(2026, 11, 23, 8), sh(2026, 11, 23, 9)),
        (sh(2026, 11, 23, 12), sh(2026, 11, 23, 13)),  # spans are half-open
        (sh(2026, 11, 23, 17), sh(2026, 11, 24, 9)),
        (sh(2026, 11, 20, 18), sh(2026, 11, 23, 9)),  # Friday evening -> Monday
        (sh(2026, 9, 30, 17), sh(2026, 10, 8, 9)),  # over National Day
        (sh(2026, 9, 26, 10), sh(2026, 9, 27, 9)),  # Saturday -> make-up Sunday
    ],
)
def test_next_working_moment(moment: datetime, expected: datetime) -> None:
    result = CAL.next_working_moment(moment)
    assert result == expected and result.tzinfo is UTC


def test_from_setting_sorts_spans() -> None:
    cal = WorkingCalendar.from_setting(" 13:00-17:00 , 9:00-12:00", {})
    assert cal.spans == ((time(9), time(12)), (time(13), time(17)))


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("", "invalid working-hours span ''"),
        ("9-12", "invalid working-hours span '9-12'"),
        ("09:00-12:00,", "invalid working-hours span ''"),
        ("25:00-26:00", "invalid time 25:00"),
        ("12:00-09:00", "must end after it starts"),
        ("09:00-12:00,11:00-14:00", "overlap"),
    ],
)
def test_from_setting_rejects(hours: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar.from_setting(hours, {})


def test_constructor_rejects_unsorted_or_empty_spans() -> None:
    with pytest.raises(ValueError, match="out of order"):
        WorkingCalendar(((time(13), time(17)), (time(9), time(12))), {})
    with pytest.raises(ValueError, match="at least one span"):
        WorkingCalendar((), {})


def test_parse_calendar_csv() -> None:
    # BOM, header, CRLF and LF, blank lines, Chinese types, no name, padded empty columns.
    text = (
        "\ufeffdate,type,name\r\n2026-10-01,holiday,国庆节\r\n\r\n"
        "2026-09-27,班,调休\n  \n2026-10-02,休\n2026-10-10,Workday,调休,,\n"
    )
    assert parse_calendar_csv(text) == [
        (date(2026, 10, 1), False, "国庆节"),
        (date(2026, 9, 27), True, "调休"),
        (date(2026, 10, 2), False, ""),
        (date(2026, 10, 10), True, "调休"),
    ]
    assert parse_calendar_csv("2026-10-01,holiday,国庆") == [(date(2026, 10, 1), False, "国庆")]
    assert parse_calendar_csv("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,type,name\n2026-10-01,holiday,x\n2026-13-01,holiday,x", "line 3 has an invalid date “2026-13-01”"),
        ("20261001,holiday", "line 1 has an invalid date “20261001”"),
        ("2026-10-01,vacation", "line 1 has an invalid type “vacation”"),
        ("\n2026-10-01", r"line 2 should have 2 or 3 columns \(date,type,name\) but has 1"),
        ("2026-10-01,holiday,a,b", "line 1 should have 2 or 3 columns .* but has 4"),
        ("2026-10-01,holiday\n2026-10-01,workday", "line 2 repeats the date 2026-10-01 of line 1"),
        ("2026-10-01,holiday\ndate,type,name", "line 2 has an invalid date “date”"),  # header only on top
    ],
)
def test_parse_calendar_csv_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calendar_csv(text)


# -- properties ----------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, SH, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=45))])
MOMENTS = st.datetimes(datetime(2026, 9, 1), datetime(2026, 12, 31), timezones=ZONES)
# Random holidays and make-up days around the test window, on top of National Day.
EXCEPTIONS = st.dictionaries(st.dates(date(2026, 9, 1), date(2027, 3, 31)), st.booleans(), max_size=20)
SECONDS = st.floats(0, 400 * HOUR, allow_nan=False)
FAST = settings(max_examples=60, deadline=None, database=None)  # database=None: no files in the tree


def make_calendar(extra: dict[date, bool]) -> WorkingCalendar:
    return WorkingCalendar.from_setting(HOURS, NATIONAL_DAY | extra)


def reference_seconds(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """Independent oracle: intersect [start, end) with each day's spans, day by day."""
    a, b = start.astimezone(SH).replace(tzinfo=None), end.astimezone(SH).replace(tzinfo=None)
    total = 0.0
    for n in range((b.date() - a.date()).days + 1):
        day = a.date() + timedelta(n)
        if cal.exceptions.get(day, day.weekday() < 5):
            for s, e in cal.spans:
                lo, hi = max(a, datetime.combine(day, s)), min(b, datetime.combine(day, e))
                total += max((hi - lo).total_seconds(), 0.0)
    return total


@FAST
@given(EXCEPTIONS, MOMENTS, MOMENTS)
def test_working_seconds_between_matches_oracle(extra: dict[date, bool], a: datetime, b: datetime) -> None:
    cal = make_calendar(extra)
    assert cal.working_seconds_between(a, b) == pytest.approx(reference_seconds(cal, a, b), abs=1e-6)


@FAST
@given(EXCEPTIONS, MOMENTS, SECONDS)
def test_add_then_measure_round_trips(extra: dict[date, bool], start: datetime, seconds: float) -> None:
    cal = make_calendar(extra)
    end = cal.add_working_time(start, seconds)
    assert end.tzinfo is UTC and end >= start
    assert abs(cal.working_seconds_between(start, end) - seconds) <= 1e-6


@FAST
@given(EXCEPTIONS, MOMENTS, SECONDS, SECONDS)
def test_add_working_time_is_monotonic(extra: dict[date, bool], start: datetime, s1: float, s2: float) -> None:
    cal = make_calendar(extra)
    low, high = sorted((s1, s2))
    assert cal.add_working_time(start, low) <= cal.add_working_time(start, high)


@FAST
@given(EXCEPTIONS, MOMENTS)
def test_next_working_moment_is_where_counting_starts(extra: dict[date, bool], moment: datetime) -> None:
    cal = make_calendar(extra)
    nxt = cal.next_working_moment(moment)
    assert nxt >= moment and cal.working_seconds_between(moment, nxt) == 0
    assert cal.add_working_time(moment, 1e-6) == nxt + timedelta(microseconds=1)
