"""The desk's settings as plain values, so that operations never read the app's configuration."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import CalendarDay, Priority, ServiceTimesRevision, SlaTarget
from service.rules.sla_calendar import WorkingCalendar


@dataclass(frozen=True)
class DeskSettings:
    """What the operations take from the app's settings (config.Settings.desk)."""

    upload_folder: str
    max_attachment_bytes: int
    max_attachments: int
    working_hours: str
    reopen_window_days: int
    auto_close_days: int


@dataclass(frozen=True)
class ServiceTimes:
    """What due times are worked out from: the working calendar and, per priority, the SLA targets in seconds
    (first response, resolution). Immutable, so one copy serves every thread of a process."""

    calendar: WorkingCalendar
    targets: Mapping[Priority, tuple[float, float]]

    def target_seconds(self, priority: Priority) -> tuple[float, float]:
        found = self.targets.get(priority)
        if found is None:
            raise LookupError(f"no SLA target for {priority}")  # seeded reference data: a setup error
        return found


_REVISION = select(ServiceTimesRevision.__table__.c.token).where(ServiceTimesRevision.__table__.c.id == 1)
_CALENDAR_DAYS = select(CalendarDay.day, CalendarDay.is_working_day)
_TARGETS = select(SlaTarget.priority, SlaTarget.first_response_hours, SlaTarget.resolution_hours)
# working hours setting -> (revision token, the service times read with it)
_kept: dict[str, tuple[str | None, ServiceTimes]] = {}


def service_times(session: Session, settings: DeskSettings) -> ServiceTimes:
    """The service times as the session's transaction sees them, for one statement when they have not changed.

    The token is read before the rows: a change committed in between leaves a newer copy under an
    older token, which only costs a read next time, never a stale copy under a current token.
    """
    token = session.connection().execute(_REVISION).scalar()
    found = _kept.get(settings.working_hours)
    if found is not None and token is not None and found[0] == token:
        return found[1]
    exceptions = {day: working for day, working in session.execute(_CALENDAR_DAYS)}
    times = ServiceTimes(
        calendar=WorkingCalendar.from_setting(settings.working_hours, exceptions),
        targets={priority: (first * 3600.0, resolution * 3600.0)
                 for priority, first, resolution in session.execute(_TARGETS)})
    _kept[settings.working_hours] = (token, times)
    return times
