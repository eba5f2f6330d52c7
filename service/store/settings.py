"""The desk's settings as plain values, so that operations never read the app's configuration."""

from __future__ import annotations

import time
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
    # Working hours an assignee (or, after a transfer, a station) has to sign for a request.
    sign_for_hours: int = 4
    # Extensions a station's director may approve on one request; beyond them only the provincial director.
    max_extensions: int = 2
    # A supervision order turns red overdue by more than these working days, or reminded more than these times.
    supervision_red_days: int = 3
    supervision_red_reminders: int = 3
    # The share of a clock's working time limit at which it is reminded of first (催办; again at the breach).
    reminder_share: float = 0.75
    # Days after a result within which a return visit (回访) is recorded.
    return_visit_days: int = 10
    # Where attachment files are kept (service/infrastructure/attachment_files.py): "filesystem" (upload_folder)
    # or "s3" (the bucket, at the endpoint for a store other than AWS).
    attachment_storage: str = "filesystem"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    # The hour (Beijing time) of the daily digest of the messages users chose to receive in one.
    digest_hour: int = 8


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
# The process's one copy of the service times (and so of the working calendar), per working hours setting:
# (revision token, when it was read or last found current by time.monotonic(), the service times).
_kept: dict[str, tuple[str | None, float, ServiceTimes]] = {}


def service_times(session: Session, settings: DeskSettings, *, trust_for: float = 0.0) -> ServiceTimes:
    """The service times as the session's transaction sees them, for one statement when they have not changed.

    ``trust_for``: read views take a copy found current less than that many seconds ago without any
    statement (see store/reference.py); writes, which work out due times, always check.
    The token is read before the rows: a change committed in between leaves a newer copy under an
    older token, which only costs a read next time, never a stale copy under a current token.
    """
    found = _kept.get(settings.working_hours)
    now = time.monotonic()
    if found is not None and now - found[1] < trust_for:
        return found[2]
    token = session.connection().execute(_REVISION).scalar()
    if found is not None and token is not None and found[0] == token:
        _kept[settings.working_hours] = (token, now, found[2])
        return found[2]
    exceptions = dict(session.execute(_CALENDAR_DAYS).all())
    times = ServiceTimes(
        calendar=WorkingCalendar.from_setting(settings.working_hours, exceptions),
        targets={
            priority: (first * 3600.0, resolution * 3600.0) for priority, first, resolution in session.execute(_TARGETS)
        },
    )
    _kept[settings.working_hours] = (token, now, times)
    return times


def forget_service_times() -> None:
    """The calendar or the targets have just changed in this process: read them again next time."""
    _kept.clear()
