"""When the SLA sweep reminds (催办): at a share of a clock's working time limit, then at its due time.

A clock's next automatic reminder is kept on the request (``sign_for_remind_at``, ``resolution_remind_at``)
and worked out here whenever the clock starts or its due time moves; the sweep finds the due ones by time
(``sla.SIGN_FOR_REMINDER_DUE``, ``sla.RESOLUTION_REMINDER_DUE``) and moves each on to the next threshold, or
to None after the breach, so that every threshold reminds once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from service.rules.sla_calendar import WorkingCalendar


class Stage(StrEnum):
    # The configured share of the time limit has passed.
    APPROACHING = "approaching"
    # The due time has passed.
    OVERDUE = "overdue"


def warning_moment(calendar: WorkingCalendar, start: datetime, due: datetime, share: float) -> datetime:
    """The moment ``share`` of the working time from ``start`` to ``due`` has passed."""
    return calendar.add_working_time(start, share * calendar.working_seconds_between(start, due))


def first_reminder(
    calendar: WorkingCalendar, start: datetime, due: datetime | None, share: float, now: datetime
) -> datetime | None:
    """The next reminder of a clock that runs from ``start`` to ``due``, seen at ``now``: its warning if still
    ahead, else its due time if still ahead (the warning is not sent late), else none."""
    if due is None:
        return None
    warning = warning_moment(calendar, start, due, share)
    if warning > now:
        return warning
    return due if due > now else None


def stage_at(due: datetime, now: datetime) -> Stage:
    return Stage.OVERDUE if now >= due else Stage.APPROACHING


def after(stage: Stage, due: datetime) -> datetime | None:
    """The clock's next reminder once ``stage`` was sent: the breach after the warning, then none."""
    return due if stage == Stage.APPROACHING else None
