"""Director hotline sessions: asked for (enterprise or desk), scheduled, recorded as held, cancelled; follow-up
actions; the .ics invitation.

The session's lifecycle and who may take each step live in service.operations.hotline;
its steps need the version the caller saw (body ``version`` or If-Match), because
two directors may well work the same session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from pydantic import Field

from service.models import FollowUpAction, HotlineSession, HotlineStatus
from service.operations import hotline as ops
from service.operations import requests as request_ops
from service.queries import hotline as queries
from service.rules.hotline import HotlineAction
from service.rules.sla_calendar import WorkingCalendar
from service.store import reference
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings, settings
from service.web.database import db
from service.web.director.hotline import invitation_file

TAG = "hotline"
VERSIONED = ("If-Match",)
VERSION_FIELD = Field(None, description="The version you saw (or send If-Match); required.")


class FollowUpOut(s.Output):
    id: int
    hotline_session_id: int
    description: str
    owner_id: int
    due_date: date
    done_at: datetime | None


class HotlineOut(s.Output):
    id: int
    request_id: int
    status: HotlineStatus
    reason: str
    preferred_times: str
    requested_by_id: int
    director_id: int | None
    recorder_id: int | None
    scheduled_at: datetime | None
    duration_minutes: int | None
    meeting_link: str | None
    public_summary: str | None
    cancel_reason: str | None
    held_at: datetime | None
    created_at: datetime
    version: int
    actions: list[HotlineAction] = Field(description="Steps the caller may take now.")
    invitation_url: str | None = Field(description="The .ics invitation, while the session is scheduled.")
    # The desk's record of the session; null for enterprise callers.
    minutes: str | None = None
    decisions: str | None = None
    follow_ups: list[FollowUpOut] | None = None


class TimeWarningOut(s.Output):
    kind: ops.TimeWarning
    message: str = Field(description="The reason, in the caller's language.")


class ScheduledOut(HotlineOut):
    warnings: list[TimeWarningOut] = Field(
        description="Why the time is unusual (a public holiday, a weekend, "
        "outside working hours); empty when it is not. The session is scheduled "
        "all the same: the desk's page asks the director to confirm such a "
        "time first (GET .../schedule-check answers before scheduling)."
    )


class ScheduleCheck(s.Output):
    warnings: list[TimeWarningOut] = Field(description="Empty when the whole session falls in working time.")


class HotlineList(s.Output):
    items: list[HotlineOut]


class HotlineQuery(s.Query):
    status: HotlineStatus | None = None


class AskIn(s.Input):
    reason: Annotated[str, s.text(5000, 1)] = Field(description="What the session should address.")
    preferred_times: Annotated[str, s.text(1000)] = ""


class ScheduleIn(s.Input):
    scheduled_at: s.UtcDatetime = Field(description="The start, with its UTC offset (e.g. +08:00).")
    duration_minutes: int = Field(60, ge=ops.MIN_MINUTES, le=ops.MAX_MINUTES)
    director_id: s.Id | None = Field(None, description="The director who holds it; you when left out.")
    recorder_id: s.Id | None = Field(
        None,
        description="A desk member of the station who may record the minutes "
        "besides the directors; none when left out.",
    )
    version: s.Id | None = VERSION_FIELD


class ScheduleCheckQuery(s.Query):
    scheduled_at: s.UtcDatetime = Field(
        description="The start, with its UTC offset (a + written %2B in the query string)."
    )
    duration_minutes: int = Field(60, ge=ops.MIN_MINUTES, le=ops.MAX_MINUTES)


class FollowUpIn(s.Input):
    description: Annotated[str, s.text(2000, 1)]
    owner_id: s.Id
    due_date: date


class RecordIn(s.Input):
    minutes: Annotated[str, s.text(50000, 1)] = Field(description="Internal minutes (never shown to the enterprise).")
    public_summary: Annotated[str, s.text(20000, 1)] = Field(description="What the enterprise reads.")
    decisions: Annotated[str, s.text(20000)] = ""
    follow_ups: list[FollowUpIn] = Field([], max_length=20)
    version: s.Id | None = VERSION_FIELD


class CancelIn(s.Input):
    reason: Annotated[str, s.text(5000, 1)]
    version: s.Id | None = VERSION_FIELD


def time_warnings(warning: ops.ScheduleWarning | None) -> list[TimeWarningOut]:
    return [TimeWarningOut(kind=warning.kind, message=gettext(warning.message, **warning.params))] if warning else []


def working_calendar() -> WorkingCalendar:
    return reference.working_calendar(db(), desk_settings())


def follow_up_out(action: FollowUpAction) -> FollowUpOut:
    return FollowUpOut.model_validate(action, from_attributes=True)


def hotline_out(hotline: HotlineSession) -> HotlineOut:
    view = queries.view_of(caller(), hotline)
    fields = {
        k: getattr(hotline, k)
        for k in HotlineOut.model_fields
        if k not in {"actions", "invitation_url", "minutes", "decisions", "follow_ups"}
    }
    out = HotlineOut(
        **fields,
        actions=view.actions,
        invitation_url=url_for("api.hotline_invitation", hotline_id=hotline.id) if view.upcoming else None,
    )
    if view.internal:
        out.minutes = hotline.minutes_internal
        out.decisions = hotline.decisions
        out.follow_ups = [follow_up_out(a) for a in hotline.follow_ups]
    return out


@endpoint(
    "/hotline-sessions",
    summary="Director hotline sessions on the desk's cases (staff and directors).",
    tag=TAG,
    query=HotlineQuery,
    response=HotlineList,
)
def list_hotline_sessions(query: HotlineQuery) -> HotlineList:
    statuses = [query.status] if query.status else list(HotlineStatus)
    return HotlineList(items=[hotline_out(h) for h in queries.list_sessions(db(), caller(), statuses)])


@endpoint(
    "/requests/<int:request_id>/hotline-sessions",
    summary="The hotline sessions of one request, newest first (enterprises: of their own requests).",
    tag=TAG,
    response=HotlineList,
)
def request_hotline_sessions(request_id: int) -> HotlineList:
    found = request_ops.get_request(db(), caller(), request_id)
    panel = queries.hotline_panel(db(), caller(), found)
    return HotlineList(items=[hotline_out(v.hotline) for v in panel.sessions])


@endpoint(
    "/requests/<int:request_id>/hotline-sessions",
    "POST",
    summary="Ask for a director hotline session on an open request (the enterprise, or the desk proposing one).",
    tag=TAG,
    body=AskIn,
    response=HotlineOut,
    status=201,
)
def ask_hotline(request_id: int, body: AskIn) -> HotlineOut:
    return hotline_out(ops.ask_hotline(db(), caller(), request_id, body.reason, body.preferred_times))


@endpoint(
    "/hotline-sessions/<int:hotline_id>", summary="One hotline session you may see.", tag=TAG, response=HotlineOut
)
def get_hotline_session(hotline_id: int) -> HotlineOut:
    return hotline_out(queries.get_session(db(), caller(), hotline_id))


@endpoint(
    "/hotline-sessions/<int:hotline_id>/schedule-check",
    summary="Whether a time for the session is "
    "unusual (a public holiday, a weekend, outside working hours), before scheduling it (directors).",
    tag=TAG,
    query=ScheduleCheckQuery,
    response=ScheduleCheck,
)
def check_hotline_time(hotline_id: int, query: ScheduleCheckQuery) -> ScheduleCheck:
    return ScheduleCheck(
        warnings=time_warnings(
            ops.check_schedule_time(
                db(), caller(), hotline_id, query.scheduled_at, query.duration_minutes, working_calendar()
            )
        )
    )


@endpoint(
    "/hotline-sessions/<int:hotline_id>/schedule",
    "POST",
    summary="Schedule or move the session: time, "
    "length, director; the meeting link is made once (directors). The answer warns of an unusual time.",
    tag=TAG,
    body=ScheduleIn,
    response=ScheduledOut,
    headers=VERSIONED,
)
def schedule_hotline(hotline_id: int, body: ScheduleIn) -> ScheduledOut:
    plan = ops.Schedule(body.scheduled_at, body.duration_minutes, body.director_id or caller().id, body.recorder_id)
    hotline = ops.schedule_hotline(
        db(), caller(), hotline_id, expected_version(body.version), plan, settings().meeting_url_template
    )
    warning = ops.schedule_warning(working_calendar(), plan.scheduled_at, plan.duration_minutes)
    return ScheduledOut(**hotline_out(hotline).model_dump(), warnings=time_warnings(warning))


@endpoint(
    "/hotline-sessions/<int:hotline_id>/record",
    "POST",
    summary="Record a scheduled session as held: "
    "minutes, public summary, decisions, follow-up actions (directors and the session's recorder).",
    tag=TAG,
    body=RecordIn,
    response=HotlineOut,
    headers=VERSIONED,
)
def record_hotline(hotline_id: int, body: RecordIn) -> HotlineOut:
    record = ops.Record(
        body.minutes,
        body.public_summary,
        body.decisions,
        [ops.FollowUp(f.description, f.owner_id, f.due_date) for f in body.follow_ups],
    )
    return hotline_out(ops.record_hotline(db(), caller(), hotline_id, expected_version(body.version), record))


@endpoint(
    "/hotline-sessions/<int:hotline_id>/cancel",
    "POST",
    summary="Cancel a pending session with a reason (directors; whoever asked may withdraw an unscheduled ask).",
    tag=TAG,
    body=CancelIn,
    response=HotlineOut,
    headers=VERSIONED,
)
def cancel_hotline(hotline_id: int, body: CancelIn) -> HotlineOut:
    return hotline_out(ops.cancel_hotline(db(), caller(), hotline_id, expected_version(body.version), body.reason))


@endpoint(
    "/follow-ups/<int:follow_up_id>/done",
    "POST",
    summary="Mark a follow-up action done (its owner or a director).",
    tag=TAG,
    response=FollowUpOut,
)
def complete_follow_up(follow_up_id: int) -> FollowUpOut:
    return follow_up_out(ops.complete_follow_up(db(), caller(), follow_up_id))


@endpoint(
    "/hotline-sessions/<int:hotline_id>/invitation.ics",
    summary="The calendar invitation of a scheduled session.",
    tag=TAG,
    binary=True,
    media_type="text/calendar",
)
def hotline_invitation(hotline_id: int) -> ResponseReturnValue:
    return invitation_file(queries.get_session(db(), caller(), hotline_id))
