"""The dashboard's median resolution time, worked out in SQL over the period's latest resolutions, against the
working calendar's own count in Python (``WorkingCalendar.working_days_between``): each duration alone, the
median of many (an odd and an even number of them), and only the latest when there are more than the sample."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from service.models import Status
from service.operations.calendar_admin import set_calendar_day
from service.queries import dashboard
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import service_times
from tests.director_support import case
from tests.factories import People
from tests.suite import suite_settings

# Around the days the admin calendar changes below: a Monday holiday and a make-up Saturday.
HOLIDAY, MAKE_UP = date(2031, 3, 3), date(2031, 3, 8)
NOW = datetime(2031, 6, 30, 4, tzinfo=UTC)


def local(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """A moment on ``day``, Shanghai time."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
    return midnight + timedelta(hours=hour, minutes=minute, seconds=second)


@pytest.fixture()
def calendar(session: Session, people: People) -> WorkingCalendar:
    set_calendar_day(session, people.admin, HOLIDAY, False, "测试假日")
    set_calendar_day(session, people.admin, MAKE_UP, True, "调休上班")
    return service_times(session, suite_settings().desk).calendar


def _median(session: Session, people: People, calendar: WorkingCalendar) -> tuple[float | None, int]:
    scope = dashboard.make_scope(people.hub_director, NOW, date_from=date(2030, 1, 1), date_to=NOW.date())
    return dashboard.median_resolution(session, scope, calendar)


# (submitted, resolved): across the lunch break, before opening and after closing, over a weekend, a holiday and
# a make-up working day, at midnight and at the close, over years, and a resolution stamped before its submission.
DURATIONS = [
    (local(date(2031, 3, 10), 10), local(date(2031, 3, 10), 15, 30)),
    (local(date(2031, 3, 10), 7), local(date(2031, 3, 10), 20)),
    (local(date(2031, 3, 10), 12, 30), local(date(2031, 3, 10), 12, 45)),
    (local(date(2031, 3, 14), 16), local(date(2031, 3, 17), 10)),
    (local(date(2031, 3, 15), 11), local(date(2031, 3, 16), 11)),
    (local(date(2031, 2, 28), 16), local(date(2031, 3, 4), 9, 30)),
    (local(date(2031, 3, 7), 16, 59, 59), local(date(2031, 3, 8), 13, 1)),
    (local(date(2031, 3, 6), 0), local(date(2031, 3, 9), 0)),
    (local(date(2031, 3, 6), 17), local(date(2031, 3, 11), 17)),
    (local(date(2026, 1, 5), 9), local(date(2031, 3, 11), 11, 11, 11)),
    (local(date(2031, 3, 12), 14), local(date(2031, 3, 12), 11)),
]


@pytest.mark.parametrize(("submitted", "resolved"), DURATIONS)
def test_one_resolution_takes_the_working_days_the_calendar_counts(
    session: Session, people: People, calendar: WorkingCalendar, submitted: datetime, resolved: datetime
) -> None:
    case(session, people.enterprise, people.owner, created_at=submitted, status=Status.RESOLVED, resolved_at=resolved)
    median, resolutions = _median(session, people, calendar)
    assert resolutions == 1
    assert median == pytest.approx(calendar.working_days_between(submitted, resolved), abs=1e-6)


@pytest.mark.parametrize("count", [25, 24])
def test_the_median_of_every_resolution_is_the_one_python_takes(
    session: Session, people: People, calendar: WorkingCalendar, count: int
) -> None:
    draw = random.Random(count)
    durations = [_resolved(session, people, calendar, draw)[1] for _ in range(count)]
    median, resolutions = _median(session, people, calendar)
    assert resolutions == count
    assert median == pytest.approx(statistics.median(durations), abs=1e-6)


def test_beyond_the_sample_the_median_is_of_the_latest_resolutions(
    session: Session, people: People, calendar: WorkingCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "MEDIAN_SAMPLE", 5)
    draw = random.Random(7)
    resolved = sorted(_resolved(session, people, calendar, draw) for _ in range(12))
    median, resolutions = _median(session, people, calendar)
    assert resolutions == 5
    assert median == pytest.approx(statistics.median(days for _, days in resolved[-5:]), abs=1e-6)


def _resolved(
    session: Session, people: People, calendar: WorkingCalendar, draw: random.Random
) -> tuple[datetime, float]:
    """A closed case at a random moment of 2031's first months: its resolution time and working days taken."""
    day = date(2031, 1, 1) + timedelta(days=draw.randrange(120))
    submitted = local(day, draw.randrange(24), draw.randrange(60))
    resolved = submitted + timedelta(minutes=draw.randrange(60 * 24 * 30))
    case(session, people.enterprise, people.owner, created_at=submitted, status=Status.CLOSED, resolved_at=resolved)
    return resolved, calendar.working_days_between(submitted, resolved)


def test_no_resolution_has_no_median(session: Session, people: People, calendar: WorkingCalendar) -> None:
    case(session, people.enterprise, people.owner, created_at=local(date(2031, 3, 10)))
    assert _median(session, people, calendar) == (None, 0)
