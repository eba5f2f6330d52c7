"""Admin upkeep of SLA targets and the working-day calendar."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from service.errors import Forbidden, NotFound, ValidationError
from service.models import CalendarDay, Priority, SlaTarget
from service.operations.calendar_admin import (
    delete_calendar_day,
    import_calendar_csv,
    set_calendar_day,
    set_sla_target,
)
from service.store.settings import service_times
from tests.factories import People
from tests.request_helpers import submit


def test_only_admins_change_targets_and_the_calendar(session, people: People) -> None:
    for user in (people.staff, people.director, people.owner):
        with pytest.raises(Forbidden):
            set_sla_target(session, user, Priority.P1, 1, 8)
        with pytest.raises(Forbidden):
            set_calendar_day(session, user, date(2026, 12, 31), False, "")
        with pytest.raises(Forbidden):
            import_calendar_csv(session, user, "2026-12-31,holiday,x")


def test_new_targets_apply_to_new_requests(session, people: People, settings) -> None:
    set_sla_target(session, people.admin, Priority.P3, 1, 7)
    assert session.get(SlaTarget, Priority.P3).resolution_hours == 7
    request = submit(session, people, settings)  # Tuesday 10:00, provisional P3
    calendar = service_times(session, settings).calendar
    assert calendar.working_seconds_between(request.created_at, request.resolution_due_at) == 7 * 3600


@pytest.mark.parametrize(
    ("first", "resolution", "field"),
    [(0, 8, "first_response_hours"), (4, 20_000, "resolution_hours"), (9, 8, "first_response_hours")],
)
def test_targets_must_make_sense(session, people: People, first, resolution, field) -> None:
    with pytest.raises(ValidationError) as refused:
        set_sla_target(session, people.admin, Priority.P1, first, resolution)
    assert field in refused.value.fields
    assert session.get(SlaTarget, Priority.P1).first_response_hours == 2


def test_calendar_days_can_be_set_changed_and_removed(session, people: People, settings) -> None:
    christmas = date(2026, 12, 25)  # a Friday
    set_calendar_day(session, people.admin, christmas, False, "临时休息")
    assert not service_times(session, settings).calendar.is_working_day(christmas)
    set_calendar_day(session, people.admin, christmas, True, "恢复上班")
    assert session.get(CalendarDay, christmas).name == "恢复上班"
    delete_calendar_day(session, people.admin, christmas)
    assert session.get(CalendarDay, christmas) is None
    with pytest.raises(NotFound):
        delete_calendar_day(session, people.admin, christmas)


def test_csv_import_is_all_or_nothing_and_names_the_bad_line(session, people: People, settings) -> None:
    good = "date,type,name\n2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n"
    assert import_calendar_csv(session, people.admin, good) == 2
    calendar = service_times(session, settings).calendar
    assert not calendar.is_working_day(date(2027, 1, 1)) and calendar.is_working_day(date(2027, 2, 6))
    bad = "2027-05-01,holiday,劳动节\n2027-05-02,vacation,劳动节\n"
    with pytest.raises(ValidationError) as refused:
        import_calendar_csv(session, people.admin, bad)
    assert "line 2" in str(refused.value)
    assert session.scalars(select(CalendarDay).where(CalendarDay.day == date(2027, 5, 1))).first() is None
    with pytest.raises(ValidationError):
        import_calendar_csv(session, people.admin, "\n\n")
