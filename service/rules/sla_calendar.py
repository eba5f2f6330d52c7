"""Working-time calendar for SLA targets counted in working hours (Asia/Shanghai by default).

Everything is computed from one cumulative function: the number of working microseconds
from a fixed origin up to a local wall-clock moment. Durations are differences of it and
``add_working_time`` is its inverse, so the two round-trip exactly (to the microsecond
resolution of ``datetime``) and cost O(log n) whatever the span, with no per-day loop.
Integer microseconds rather than float seconds keep sums over years exact.
"""

from __future__ import annotations

import csv
import math
import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo

from service.errors import N_
from service.rules.local_time import LOCAL_TZ

_US = 1_000_000  # microseconds per second
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES = {"holiday": False, "休": False, "workday": True, "班": True}


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def _weekdays_before(day: date) -> int:
    """Mon-Fri count from 0001-01-01 (a Monday) up to, not including, ``day``."""
    n = day.toordinal() - 1
    return n // 7 * 5 + min(n % 7, 5)


def _at(day: date, micros: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(microseconds=micros)


def _parse_time(text: str, hh: str, mm: str) -> time:
    try:
        return time(int(hh), int(mm))
    except ValueError:
        raise ValueError(f"invalid time {hh}:{mm} in working-hours span {text!r}") from None


@dataclass(frozen=True)
class WorkingCalendar:
    spans: tuple[tuple[time, time], ...]
    exceptions: Mapping[date, bool]
    tz: ZoneInfo = LOCAL_TZ
    # Derived lookup tables, built once in __post_init__ (a frozen instance never goes stale).
    _bounds: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _cum_ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _adj_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _adj_prefix: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.spans:
            raise ValueError("working hours must contain at least one span")
        bounds = tuple((_micros(a), _micros(b)) for a, b in self.spans)
        for (a, b), (s, e) in zip(self.spans, bounds, strict=True):
            if e <= s:
                raise ValueError(f"working-hours span {a:%H:%M}-{b:%H:%M} must end after it starts")
        for (s0, e0), (s1, e1) in pairwise(self.spans):
            if s1 < e0:
                raise ValueError(
                    f"working-hours spans {s0:%H:%M}-{e0:%H:%M} and {s1:%H:%M}-{e1:%H:%M} overlap or are out of order"
                )
        cum: list[int] = []
        total = 0
        for s, e in bounds:
            total += e - s
            cum.append(total)
        # Only exceptions that flip a day's default status change the working-day count;
        # a prefix sum over them makes "working days before D" a single bisect.
        exceptions = MappingProxyType(dict(self.exceptions))  # copy: callers may mutate theirs
        flips = sorted((d, 1 if working else -1) for d, working in exceptions.items() if working != (d.weekday() < 5))
        prefix = [0]
        for _, delta in flips:
            prefix.append(prefix[-1] + delta)
        object.__setattr__(self, "exceptions", exceptions)
        object.__setattr__(self, "_bounds", bounds)
        object.__setattr__(self, "_cum_ends", tuple(cum))
        object.__setattr__(self, "_adj_dates", tuple(d for d, _ in flips))
        object.__setattr__(self, "_adj_prefix", tuple(prefix))

    @classmethod
    def from_setting(cls, hours: str, exceptions: Mapping[date, bool]) -> WorkingCalendar:
        """Build from a setting like ``"09:00-12:00,13:00-17:00"`` (spans in any order)."""
        spans: list[tuple[time, time]] = []
        for part in hours.split(","):
            text = part.strip()
            m = _SPAN.fullmatch(text)
            if not m:
                raise ValueError(f"invalid working-hours span {text!r} in {hours!r} (expected HH:MM-HH:MM)")
            spans.append((_parse_time(text, *m.group(1, 2)), _parse_time(text, *m.group(3, 4))))
        return cls(tuple(sorted(spans)), exceptions)

    @property
    def working_day_seconds(self) -> float:
        """Length of one full working day, in seconds."""
        return self._cum_ends[-1] / _US

    def is_working_day(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def close_of(self, day: date) -> datetime:
        """The end of ``day``'s working hours: when a promise to finish "by that date" falls due."""
        return self._utc(_at(day, self._bounds[-1][1]))

    def local_date(self, moment: datetime) -> date:
        """The calendar day ``moment`` falls on in the calendar's zone."""
        return self._local(moment).date()

    def add_working_time(self, start: datetime, seconds: float) -> datetime:
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"working time to add must be a finite number >= 0, got {seconds!r}")
        amount = round(seconds * _US)
        if amount == 0:
            # Not snapped to the next working moment: adding nothing must not move the clock.
            return self._check_aware(start).astimezone(UTC)
        local = self._local(start)
        return self._earliest(self._cumulative(local) + amount, local.date())

    def subtract_working_time(self, end: datetime, seconds: float) -> datetime:
        """The earliest moment from which ``seconds`` of working time run up to ``end``: a moment ``t`` is before
        it exactly when ``working_seconds_between(t, end) > seconds`` (the cutoff of "late by more than")."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"working time to subtract must be a finite number >= 0, got {seconds!r}")
        target = self._cumulative(self._local(end)) - round(seconds * _US)
        if target <= 0:
            raise ValueError("working time to subtract reaches before the calendar's origin")
        # A day no later than the answer: weekdays alone would put it near n * 7 / 5; each exception that makes a
        # weekend day a working day can bring it at most a day or two earlier.
        n = (target - 1) // self._cum_ends[-1]
        return self._earliest(target, date.fromordinal(max(1, n * 7 // 5 - 7 - 2 * len(self._adj_dates))))

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds in [start, end); 0 if end <= start."""
        if self._check_aware(end) <= self._check_aware(start):
            return 0.0
        return (self._cumulative(self._local(end)) - self._cumulative(self._local(start))) / _US

    def working_days_between(self, start: datetime, end: datetime) -> float:
        return self.working_seconds_between(start, end) / self.working_day_seconds

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the start of the next working span."""
        local = self._local(moment)
        day = local.date()
        if self.is_working_day(day):
            now = _micros(local.time())
            for s, e in self._bounds:
                if now < e:
                    return self._utc(local if now >= s else _at(day, s))
        after = day + timedelta(days=1)
        nxt = self._working_day_number(self._working_days_before(after), after)
        return self._utc(_at(nxt, self._bounds[0][0]))

    # -- internals -------------------------------------------------------------------

    def _earliest(self, target: int, lo: date) -> datetime:
        """The earliest moment whose cumulative value is ``target`` (> 0), on a day not before ``lo``: on the
        working day preceded by n working days, at ``rest`` (0 < rest <= day length) into that day's spans, so
        a target that exactly fills a span ends at its close (17:00), not next morning."""
        day_us = self._cum_ends[-1]
        n = (target - 1) // day_us
        rest = target - n * day_us
        day = self._working_day_number(n, lo)
        i = bisect_left(self._cum_ends, rest)
        return self._utc(_at(day, self._bounds[i][0] + rest - (self._cum_ends[i - 1] if i else 0)))

    def _working_days_before(self, day: date) -> int:
        """Working days from 0001-01-01 up to, not including, ``day`` (non-decreasing in day)."""
        return _weekdays_before(day) + self._adj_prefix[bisect_left(self._adj_dates, day)]

    def _cumulative(self, local: datetime) -> int:
        """Working microseconds from the origin up to the naive local moment ``local``."""
        day = local.date()
        total = self._working_days_before(day) * self._cum_ends[-1]
        if self.is_working_day(day):
            now = _micros(local.time())
            # A loop that stops at the first span not yet begun, not min/max over every span: the
            # dashboard's median runs this for thousands of resolutions per page.
            for start, end in self._bounds:
                if now <= start:
                    break
                total += (now if now < end else end) - start
        return total

    def _working_day_number(self, n: int, lo: date) -> date:
        """The working day preceded by exactly ``n`` working days; it must not be before ``lo``.

        It is the first day x with _working_days_before(x + 1) > n: widen the window by
        doubling (long holiday runs stay cheap), then bisect it.
        """
        step = 7
        while self._working_days_before(lo + timedelta(days=step + 1)) <= n:
            step *= 2
        low, high = lo.toordinal(), lo.toordinal() + step
        while low < high:
            mid = (low + high) // 2
            if self._working_days_before(date.fromordinal(mid + 1)) > n:
                high = mid
            else:
                low = mid + 1
        return date.fromordinal(low)

    @staticmethod
    def _check_aware(moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
        return moment

    def _local(self, moment: datetime) -> datetime:
        # Naive wall-clock time in the calendar's zone: working hours are wall-clock hours.
        # Sound because the zone has no DST (Asia/Shanghai has had none since 1991).
        return self._check_aware(moment).astimezone(self.tz).replace(tzinfo=None)

    def _utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)


def _parse_date(text: str) -> date | None:
    # fromisoformat alone also takes forms like "20261001"; the import format is strict.
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class CalendarFileError(ValueError):
    """A calendar file the import refuses: ``message`` is a message id naming the bad line, with ``params``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def parse_calendar_csv(text: str) -> list[tuple[date, bool, str]]:
    """Parse ``date,type,name`` rows (type: holiday/workday or 休/班) for the admin import.

    The header row is optional, blank lines are skipped and a UTF-8 BOM is tolerated.
    Returns (date, is_working_day, name) in file order; a bad row raises CalendarFileError
    naming its line, and the whole file is rejected so an import is all-or-nothing.
    """
    rows: list[tuple[date, bool, str]] = []
    seen: dict[date, int] = {}
    first = True
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        cells = [c.strip() for c in next(csv.reader([line]), [])]
        while cells and not cells[-1]:  # spreadsheet exports pad rows with empty columns
            cells.pop()
        if not cells:
            continue
        header, first = first and cells[0].lower() in ("date", "日期"), False
        if header:
            continue
        if len(cells) not in (2, 3):
            raise CalendarFileError(
                N_(
                    "The calendar was not imported: line %(line)s should have 2 or 3 columns "
                    "(date,type,name) but has %(count)s."
                ),
                line=number,
                count=len(cells),
            )
        raw_date, raw_type = cells[0], cells[1]
        name = cells[2] if len(cells) == 3 else ""
        day = _parse_date(raw_date)
        if day is None:
            raise CalendarFileError(
                N_(
                    "The calendar was not imported: line %(line)s has an invalid date "
                    "“%(value)s” (write it as 2026-10-01)."
                ),
                line=number,
                value=raw_date,
            )
        working = _TYPES.get(raw_type.lower())
        if working is None:
            raise CalendarFileError(
                N_(
                    "The calendar was not imported: line %(line)s has an invalid type "
                    "“%(value)s” (write 休 or holiday, 班 or workday)."
                ),
                line=number,
                value=raw_type,
            )
        if day in seen:
            raise CalendarFileError(
                N_("The calendar was not imported: line %(line)s repeats the date %(day)s of line %(first)s."),
                line=number,
                day=day.isoformat(),
                first=seen[day],
            )
        seen[day] = number
        rows.append((day, working, name))
    return rows
