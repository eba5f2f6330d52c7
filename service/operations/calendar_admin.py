"""Admin upkeep of the SLA targets and the working-day calendar.

A calendar change, once committed, drops this process's calendar snapshot (service/store/reference.py),
so the SLA badges drawn here count with it at once; other workers read it within a minute.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, NotFound, ValidationError
from service.models import CalendarDay, Priority, SlaTarget, User
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.sla_calendar import CalendarFileError, parse_calendar_csv
from service.store import reference
from service.store.db import unit_of_work

MAX_HOURS = 10_000


def set_sla_target(
    session: Session, actor: User, priority: Priority, first_response_hours: int, resolution_hours: int
) -> SlaTarget:
    """Raises Forbidden, ValidationError (hours out of range, first response after resolution).

    New targets apply to requests submitted or triaged from now on.
    """
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    problems = {}
    for name, hours in (("first_response_hours", first_response_hours), ("resolution_hours", resolution_hours)):
        if not 1 <= hours <= MAX_HOURS:
            problems[name] = N_("Enter a number of working hours from 1 to 10000.")
    if not problems and first_response_hours > resolution_hours:
        problems["first_response_hours"] = N_("The first response cannot be due after the resolution.")
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    with unit_of_work(session):
        target = session.get(SlaTarget, priority)
        if target is None:
            target = SlaTarget(priority=priority)
            session.add(target)
        target.first_response_hours = first_response_hours
        target.resolution_hours = resolution_hours
    return target


def _upsert(session: Session, day: date, is_working_day: bool, name: str) -> CalendarDay:
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        session.add(row)
    row.is_working_day = is_working_day
    row.name = name.strip()[:120]
    return row


def set_calendar_day(session: Session, actor: User, day: date, is_working_day: bool, name: str) -> CalendarDay:
    """Mark ``day`` as a holiday or a make-up working day. Raises Forbidden."""
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    with unit_of_work(session):
        row = _upsert(session, day, is_working_day, name)
    reference.forget()
    return row


def delete_calendar_day(session: Session, actor: User, day: date) -> None:
    """The day goes back to the ordinary week. Raises Forbidden, NotFound."""
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    with unit_of_work(session):
        row = session.get(CalendarDay, day)
        if row is None:
            raise NotFound()
        session.delete(row)
    reference.forget()


def import_calendar_csv(session: Session, actor: User, text: str) -> int:
    """Import ``date,type,name`` rows (see sla_calendar.parse_calendar_csv); all or nothing.

    Raises Forbidden, ValidationError naming the bad line. Returns the number of days imported.
    """
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    fields = {"file": N_("Correct the file and import it again.")}
    try:
        rows = parse_calendar_csv(text)
    except CalendarFileError as error:
        raise ValidationError(error.message, fields=fields, **error.params) from None
    if not rows:
        raise ValidationError(N_("The calendar was not imported: the file has no rows."), fields=fields)
    with unit_of_work(session):
        for day, working, name in rows:
            _upsert(session, day, working, name)
    reference.forget()
    return len(rows)
