"""Working time between two moments, worked out in SQL (SQLite and PostgreSQL alike) as the working calendar
(service/rules/sla_calendar.py) counts it in Python.

The calendar counts working time up to a moment as the working days before the moment's local day (each a full
working day) plus, on a working day, the working hours that day has had so far; a duration is the difference of
two counts. Here the days are numbered from 1970-01-01 (local), so that the weekdays between two days are
arithmetic (``by_weekdays``); the admin calendar's exceptions (holidays and make-up working days: the few rows of
calendar_days) correct that count, each by its ``exception_share``, joined on the days a duration spans
(``exceptions_within``, a range of the table's own index) and summed per duration.

Local time is UTC plus the calendar zone's offset, taken as fixed: Asia/Shanghai has had no daylight saving time
since 1991 (the calendar relies on the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, Integer, and_, case, cast, extract, func, literal
from sqlalchemy.orm import QueryableAttribute

from service.models import CalendarDay
from service.rules.sla_calendar import WorkingCalendar

DAY_SECONDS = 86_400
# A column, or an expression of columns.
Sql = ColumnElement[Any] | QueryableAttribute[Any]
# julianday() of 1970-01-01 00:00 UTC (SQLite).
_UNIX_EPOCH_JULIAN = 2_440_587.5
# Bound as a date, not text PostgreSQL would convert for every row.
_EPOCH_DAY = date(1970, 1, 1)
# 1970-01-05, day 4, was the first Monday.
_FIRST_MONDAY = 4


def _seconds(moment: time) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1_000_000


@dataclass(frozen=True)
class WorkingTimeSql:
    """The SQL of one calendar's working time on one database (``dialect``: "sqlite" or "postgresql")."""

    calendar: WorkingCalendar
    dialect: str

    @property
    def _offset(self) -> float:
        offset = datetime.now(UTC).astimezone(self.calendar.tz).utcoffset()
        return offset.total_seconds() if offset is not None else 0.0

    def local_seconds(self, moment: Sql) -> ColumnElement[float]:
        """Seconds from 1970-01-01 00:00 local time to ``moment`` (a stored UTC timestamp)."""
        if self.dialect == "postgresql":
            epoch: ColumnElement[Any] = cast(extract("epoch", moment), Float)
        else:
            epoch = (func.julianday(moment) - _UNIX_EPOCH_JULIAN) * DAY_SECONDS
        return epoch + self._offset

    def day(self, seconds: ColumnElement[float]) -> ColumnElement[int]:
        """The number of the local day ``seconds`` (``local_seconds``) falls on; 1970-01-01 is 0."""
        days = seconds / float(DAY_SECONDS)
        # After 1970 only: CAST truncates, which is the floor of a positive number.
        return cast(func.floor(days) if self.dialect == "postgresql" else days, Integer)

    def into_day(self, seconds: ColumnElement[float], day: ColumnElement[int]) -> ColumnElement[float]:
        """The working hours (in seconds) from the start of ``day`` (``seconds``' day) up to ``seconds``, were it a
        working day: its spans so far."""
        since_midnight = seconds - cast(day, Float) * DAY_SECONDS
        passed: ColumnElement[float] = literal(0.0)
        for start, end in self.calendar.spans:
            low, high = _seconds(start), _seconds(end)
            passed = passed + case(
                (since_midnight <= low, 0.0), (since_midnight < high, since_midnight - low), else_=high - low
            )
        return passed

    def by_weekdays(self, span: Span) -> ColumnElement[float]:
        """Working seconds of ``span`` were every weekday a working day and no other day one."""
        weekdays = self._weekdays_before(span.last) - self._weekdays_before(span.first)
        return (
            cast(weekdays, Float) * self.calendar.working_day_seconds
            + _weekday(span.last) * span.into_last
            - _weekday(span.first) * span.into_first
        )

    def exceptions_within(self, span: Span) -> ColumnElement[bool]:
        """The admin calendar's days from ``span``'s first day to its last (join calendar_days on it)."""
        return and_(CalendarDay.day >= self._date_of(span.first), CalendarDay.day <= self._date_of(span.last))

    def exception_share(self, span: Span) -> ColumnElement[float]:
        """What one of ``exceptions_within`` changes in ``by_weekdays``: its difference from the weekday it replaces
        (a holiday -1, a make-up working day +1, else 0) times a whole working day in between, the hours up to the
        later moment on the last day, less those up to the earlier one on the first."""
        day = CalendarDay.day
        change = cast(CalendarDay.is_working_day, Integer) - _weekday(self._number_of(day))
        share = case(
            (day == self._date_of(span.last), span.into_last), else_=literal(self.calendar.working_day_seconds)
        ) - case((day == self._date_of(span.first), span.into_first), else_=literal(0.0))
        return share * change

    @staticmethod
    def _weekdays_before(day: ColumnElement[int]) -> ColumnElement[int]:
        """Mondays to Fridays from the first Monday up to, not including, ``day``."""
        since = day - _FIRST_MONDAY
        into_week = since % 7
        return since // 7 * 5 + case((into_week < 5, into_week), else_=5)

    def _date_of(self, day: ColumnElement[int]) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return literal(_EPOCH_DAY, Date) + day
        return func.date(day * DAY_SECONDS, "unixepoch")

    def _number_of(self, day: Sql) -> ColumnElement[int]:
        if self.dialect == "postgresql":
            return day - literal(_EPOCH_DAY, Date)
        return cast(func.julianday(day) - _UNIX_EPOCH_JULIAN, Integer)


@dataclass(frozen=True)
class Span:
    """From one moment to a later one: each one's ``day`` and the working seconds ``into_day`` of it."""

    first: ColumnElement[int]
    into_first: ColumnElement[float]
    last: ColumnElement[int]
    into_last: ColumnElement[float]


def _weekday(day: ColumnElement[int]) -> ColumnElement[int]:
    """1 from Monday to Friday, else 0 (1970-01-01, day 0, was a Thursday)."""
    return case(((day + 3) % 7 < 5, 1), else_=0)
