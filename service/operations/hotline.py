"""Hotline sessions (站长热线 or 局长热线, by the host): asked for, scheduled, held (with minutes and follow-up
actions) or cancelled.

The session's own small lifecycle is ``rules.hotline.MACHINE``, applied by ``state_machine.apply``; every step
writes an event on the request's timeline in the same transaction and tells
the other side (the notification names the session, so that it reads as its
host's hotline). Internal minutes and decisions stay on the session; the public
event of a held session carries only the public summary.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, REASON_REQUIRED, Forbidden, NotFound, ValidationError
from service.models import (
    OPEN_STATUSES,
    EventKind,
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    Role,
    ServiceRequest,
    User,
)
from service.models.base import utcnow
from service.operations.notifications import (
    Recipients,
    desk_recipients,
    director_ids,
    enterprise_users,
    ids_of,
    notify,
)
from service.operations.request_support import record
from service.rules import policy, state_machine
from service.rules.hotline import MACHINE, PENDING, HotlineAction
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.rules.sla_calendar import WorkingCalendar
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.versioning import stale_is_conflict

MIN_MINUTES, MAX_MINUTES = 15, 240
HOTLINE_STALE = N_("Someone changed this hotline session meanwhile. Reload and try again.")
SCHEDULE_ANYWAY = N_("Tick “Schedule anyway” to keep this time.")


@dataclass(frozen=True)
class Schedule:
    scheduled_at: datetime
    duration_minutes: int
    director_id: int
    # Who besides the directors may record the minutes: a desk member of the request's station.
    recorder_id: int | None = None
    # The director has been warned that the time is outside working hours (or on a holiday) and keeps it.
    outside_hours_ok: bool = False


class TimeWarning(StrEnum):
    """Why a session's time is not wholly working time."""

    HOLIDAY = "holiday"
    WEEKEND = "weekend"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"


TIME_WARNINGS = {
    TimeWarning.HOLIDAY: N_("%(date)s is a public holiday, not a working day."),
    TimeWarning.WEEKEND: N_("%(date)s is a weekend day, not a working day."),
    TimeWarning.OUTSIDE_WORKING_HOURS: N_("The session does not fall wholly within working hours (%(hours)s)."),
}


@dataclass(frozen=True)
class ScheduleWarning:
    """A session's time the director should weigh: the page asks to confirm it, the API reports it."""

    kind: TimeWarning
    params: dict[str, str]

    @property
    def message(self) -> str:
        return TIME_WARNINGS[self.kind]


@dataclass(frozen=True)
class FollowUp:
    description: str
    owner_id: int
    due_date: date


@dataclass(frozen=True)
class Record:
    minutes: str
    public_summary: str
    decisions: str = ""
    follow_ups: Sequence[FollowUp] = ()


def ask_hotline(
    session: Session, actor: User, request_id: int, reason: str, preferred_times: str = "", now: datetime | None = None
) -> HotlineSession:
    """The enterprise asks for a hotline session on its request, or the desk proposes one.

    Raises NotFound (out of scope), Forbidden, ValidationError (no reason, the
    request is no longer open, or a session is already pending).
    """
    now = now or utcnow()
    if not reason.strip():
        raise ValidationError(CORRECT_FIELDS, fields={"reason": N_("Please say what the session should address.")})
    with unit_of_work(session):
        request = _request(session, actor, request_id)
        policy.authorize(actor, PolicyAction.REQUEST_ASK_HOTLINE, request)
        if request.status not in OPEN_STATUSES:
            raise ValidationError(N_("A hotline session can only be asked for on an open request."))
        pending = session.scalar(
            select(HotlineSession.id).where(HotlineSession.request_id == request.id, HotlineSession.status.in_(PENDING))
        )
        if pending is not None:
            raise ValidationError(N_("This request already has a hotline session asked for or scheduled."))
        hotline = HotlineSession(
            request=request,
            requested_by_id=actor.id,
            reason=reason.strip(),
            preferred_times=preferred_times.strip(),
            status=HotlineStatus.REQUESTED,
            created_at=now,
        )
        session.add(hotline)
        session.flush()
        record(
            session,
            request,
            EventKind.HOTLINE_REQUESTED,
            actor,
            now,
            public=True,
            hotline_id=hotline.id,
            reason=hotline.reason,
            preferred_times=hotline.preferred_times,
        )
        others: Recipients = enterprise_users(request.enterprise_id) if actor.role != Role.ENTERPRISE else []
        _tell(
            session,
            hotline,
            EventKind.HOTLINE_REQUESTED,
            actor,
            now,
            director_ids(session, request.station_id),
            desk_recipients(request),
            others,
        )
    return hotline


def schedule_hotline(
    session: Session,
    actor: User,
    hotline_id: int,
    expected_version: int,
    plan: Schedule,
    meeting_url_template: str,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> HotlineSession:
    """A director in scope sets (or moves) the time, length, director and recorder, and the meeting link.

    With the working ``calendar``, a session not wholly within working hours (evenings, weekends,
    holidays) is refused with the reason (``schedule_warning``) until the director ticks ``outside_hours_ok``.
    Raises NotFound, Forbidden, InvalidTransition, StaleVersion, ValidationError.
    """
    now = now or utcnow()
    with stale_is_conflict(HOTLINE_STALE), unit_of_work(session):
        hotline = _load(session, actor, hotline_id, expected_version, HotlineAction.SCHEDULE, now)
        request = hotline.request
        fields = {}
        if plan.scheduled_at.tzinfo is None or plan.scheduled_at <= now:
            fields["scheduled_at"] = N_("Choose a time in the future.")
        if not MIN_MINUTES <= plan.duration_minutes <= MAX_MINUTES:
            fields["duration_minutes"] = N_("The session lasts between 15 and 240 minutes.")
        director = session.get(User, plan.director_id)
        if (
            director is None
            or not director.active
            or director.role != Role.DIRECTOR
            or not policy.covers_station(director, request.station_id)
        ):
            fields["director_id"] = N_("Choose a director responsible for this request's station.")
        recorder = session.get(User, plan.recorder_id) if plan.recorder_id is not None else None
        if plan.recorder_id is not None and not _on_desk_of(recorder, request):
            fields["recorder_id"] = N_("Choose a recorder on the desk of this request's station.")
        if fields:
            raise ValidationError(CORRECT_FIELDS, fields=fields)
        warning = schedule_warning(calendar, plan.scheduled_at, plan.duration_minutes) if calendar else None
        if warning is not None and not plan.outside_hours_ok:
            raise ValidationError(warning.message, fields={"outside_hours_ok": SCHEDULE_ANYWAY}, **warning.params)
        assert director is not None
        hotline.scheduled_at = plan.scheduled_at
        hotline.duration_minutes = plan.duration_minutes
        hotline.director_id = director.id
        hotline.recorder_id = plan.recorder_id
        # A moved session keeps its link: people may already have it in their calendars.
        hotline.meeting_link = hotline.meeting_link or meeting_link(meeting_url_template, request.reference)
        state_machine.apply(
            session,
            MACHINE,
            hotline,
            HotlineAction.SCHEDULE,
            actor,
            now,
            data={
                "scheduled_at": plan.scheduled_at.isoformat(),
                "duration_minutes": plan.duration_minutes,
                "director": director.name,
                "meeting_link": hotline.meeting_link,
            },
        )
        _tell(
            session,
            hotline,
            EventKind.HOTLINE_SCHEDULED,
            actor,
            now,
            enterprise_users(request.enterprise_id),
            desk_recipients(request),
            [director.id, hotline.requested_by_id, *([recorder.id] if recorder else [])],
        )
    return hotline


def check_schedule_time(
    session: Session, actor: User, hotline_id: int, start: datetime, duration_minutes: int, calendar: WorkingCalendar
) -> ScheduleWarning | None:
    """What scheduling the session from ``start`` would be warned about, without scheduling it.

    Raises NotFound (out of scope) and Forbidden (not someone who schedules it).
    """
    load(session, actor, HotlineSession, hotline_id, PolicyAction.HOTLINE_MANAGE)
    return schedule_warning(calendar, start, duration_minutes)


def schedule_warning(calendar: WorkingCalendar, start: datetime, duration_minutes: int) -> ScheduleWarning | None:
    """Why a session from ``start`` is not wholly in the calendar's working time (None when it is).

    A day off it touches (a holiday, then a weekend day, by the calendar's own days) is named before the hours.
    """
    end = start + timedelta(minutes=duration_minutes)
    if calendar.working_seconds_between(start, end) == duration_minutes * 60:
        return None
    first = start.astimezone(calendar.tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(calendar.tz).date()
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if not calendar.is_working_day(day):
            kind = TimeWarning.HOLIDAY if day in calendar.exceptions else TimeWarning.WEEKEND
            return ScheduleWarning(kind, {"date": day.isoformat()})
    hours = ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in calendar.spans)
    return ScheduleWarning(TimeWarning.OUTSIDE_WORKING_HOURS, {"hours": hours})


def has_started(hotline: HotlineSession, now: datetime) -> bool:
    """A session is held, and its minutes written, only once its scheduled time has come."""
    return hotline.scheduled_at is not None and hotline.scheduled_at <= now


def meeting_link(template: str, reference: str) -> str:
    """Fill the configured URL template; only {reference} and {token} are replaced, anything else stays."""
    return template.replace("{reference}", reference).replace("{token}", secrets.token_urlsafe(12))


def record_hotline(
    session: Session, actor: User, hotline_id: int, expected_version: int, record: Record, now: datetime | None = None
) -> HotlineSession:
    """A director, the hosting director or the named recorder records the session as held: internal minutes,
    public summary, decisions, follow-ups.

    Raises NotFound, Forbidden, InvalidTransition, StaleVersion, ValidationError.
    """
    now = now or utcnow()
    fields = {}
    if not record.minutes.strip():
        fields["minutes"] = N_("Please write the minutes.")
    if not record.public_summary.strip():
        fields["public_summary"] = N_("Please write a summary the enterprise can read.")
    if fields:
        raise ValidationError(CORRECT_FIELDS, fields=fields)
    with stale_is_conflict(HOTLINE_STALE), unit_of_work(session):
        hotline = _load(session, actor, hotline_id, expected_version, HotlineAction.HOLD, now)
        if not has_started(hotline, now):
            raise ValidationError(
                N_("This session has not started yet: it can be recorded as held only from its scheduled start.")
            )
        request = hotline.request
        actions = [_follow_up(session, request, item, now) for item in record.follow_ups]
        hotline.minutes_internal = record.minutes.strip()
        hotline.public_summary = record.public_summary.strip()
        hotline.decisions = record.decisions.strip() or None
        hotline.held_at = now
        hotline.follow_ups.extend(actions)
        state_machine.apply(
            session, MACHINE, hotline, HotlineAction.HOLD, actor, now, data={"summary": hotline.public_summary}
        )
        _tell(
            session,
            hotline,
            EventKind.HOTLINE_HELD,
            actor,
            now,
            enterprise_users(request.enterprise_id),
            desk_recipients(request),
            [a.owner_id for a in actions],
        )
    return hotline


def cancel_hotline(
    session: Session, actor: User, hotline_id: int, expected_version: int, reason: str, now: datetime | None = None
) -> HotlineSession:
    """A director cancels a pending session (or the asker withdraws an unscheduled ask), with a reason.

    Raises NotFound, Forbidden, InvalidTransition, StaleVersion, ValidationError.
    """
    now = now or utcnow()
    if not reason.strip():
        raise ValidationError(CORRECT_FIELDS, fields={"reason": REASON_REQUIRED})
    with stale_is_conflict(HOTLINE_STALE), unit_of_work(session):
        hotline = _load(session, actor, hotline_id, expected_version, HotlineAction.CANCEL, now)
        request = hotline.request
        hotline.cancel_reason = reason.strip()
        state_machine.apply(
            session, MACHINE, hotline, HotlineAction.CANCEL, actor, now, data={"reason": hotline.cancel_reason}
        )
        _tell(
            session,
            hotline,
            EventKind.HOTLINE_CANCELLED,
            actor,
            now,
            enterprise_users(request.enterprise_id),
            desk_recipients(request),
            [hotline.requested_by_id, *([hotline.director_id] if hotline.director_id is not None else [])],
        )
    return hotline


def complete_follow_up(session: Session, actor: User, follow_up_id: int, now: datetime | None = None) -> FollowUpAction:
    """Mark a follow-up action done: its owner or a director in scope. Raises NotFound, Forbidden."""
    now = now or utcnow()
    with unit_of_work(session):
        action = session.get(FollowUpAction, follow_up_id)
        if action is None:
            raise NotFound()
        hotline = action.hotline_session
        policy.authorize(actor, PolicyAction.HOTLINE_VIEW, hotline)
        if action.owner_id != actor.id and not policy.may(actor, PolicyAction.HOTLINE_MANAGE, hotline):
            raise Forbidden()
        if action.done_at is not None:
            return action
        action.done_at = now
        record(
            session,
            hotline.request,
            EventKind.FOLLOW_UP_DONE,
            actor,
            now,
            public=False,
            hotline_id=hotline.id,
            follow_up_id=action.id,
            description=action.description,
        )
        notify(
            session,
            [hotline.director_id] if hotline.director_id else [],
            hotline.request,
            EventKind.FOLLOW_UP_DONE,
            now,
            exclude=actor.id,
        )
    return action


def _request(session: Session, actor: User, request_id: int) -> ServiceRequest:
    return load(session, actor, ServiceRequest, request_id, PolicyAction.REQUEST_VIEW)


def _load(
    session: Session, actor: User, hotline_id: int, expected_version: int, action: HotlineAction, now: datetime
) -> HotlineSession:
    """The session, once the step passes the machine's checks (the step itself is applied after the form's)."""
    hotline = session.get(HotlineSession, hotline_id)
    if hotline is None:
        raise NotFound()
    state_machine.check(MACHINE, hotline, action, actor, now, expected_version=expected_version)
    return hotline


def _follow_up(session: Session, request: ServiceRequest, item: FollowUp, now: datetime) -> FollowUpAction:
    owner = session.get(User, item.owner_id)
    if not item.description.strip():
        raise ValidationError(CORRECT_FIELDS, fields={"follow_ups": N_("Describe each follow-up action.")})
    if not _on_desk_of(owner, request):
        raise ValidationError(
            CORRECT_FIELDS, fields={"follow_ups": N_("Each follow-up action needs an owner on the desk.")}
        )
    if item.due_date < now.astimezone(LOCAL_TZ).date():
        raise ValidationError(
            CORRECT_FIELDS, fields={"follow_ups": N_("A follow-up action cannot be due in the past.")}
        )
    return FollowUpAction(description=item.description.strip(), owner_id=owner.id, due_date=item.due_date)


def _on_desk_of(user: User | None, request: ServiceRequest) -> TypeGuard[User]:
    return policy.on_desk(user, request.station_id)


def _tell(
    session: Session, hotline: HotlineSession, kind: EventKind, actor: User, now: datetime, *groups: Recipients
) -> None:
    """Notify everyone in ``groups`` (ids, or queries of ids) but the actor of a step of the session."""
    notify(
        session, ids_of(session, *groups), hotline.request, kind, now, exclude=actor.id, data={"hotline_id": hotline.id}
    )
