"""How request pages word things: lifecycle buttons, timeline details, SLA badges and times.

Template helpers are installed on the blueprints that show requests
(``install_template_helpers``), so every request page shares one wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from babel.units import format_unit
from flask import Blueprint
from flask_babel import format_datetime, get_locale, gettext
from flask_babel import lazy_gettext as _l

from service.errors import N_
from service.models import (
    Category,
    Channel,
    Event,
    EventKind,
    HotlineSession,
    LifecycleStage,
    Priority,
    ReminderClock,
    ResultCategory,
    ReturnReason,
    Satisfaction,
    ServiceRequest,
    Status,
    SupervisionTier,
    VisitChannel,
)
from service.operations.attachments import UPLOAD_LIMITS, size_limit_mb
from service.operations.sla import SWEEP_REASONS, SlaState
from service.rules import sla
from service.rules.lifecycle import Action
from service.rules.reminders import Stage
from service.rules.visits import visit_deadline
from service.store import open_work
from service.store.reference import StationInfo
from service.web.app_settings import desk_settings
from service.web.common.helpers import hotline_name, station_name
from service.web.labels import label

ACTION_LABELS: dict[Action, object] = {
    Action.START_INTERVENTION: _l("Start early intervention"),
    Action.START_GUIDANCE: _l("Start full-process guidance"),
    Action.REQUEST_INFO: _l("Ask the enterprise for information"),
    Action.RESOLVE: _l("Resolve"),
    Action.DECLINE: _l("Decline"),
    Action.WITHDRAW: _l("Withdraw the request"),
    Action.CONFIRM: _l("Confirm the resolution"),
    Action.REOPEN: _l("Reopen"),
    Action.APPROVE_CLOSURE: _l("Approve the result"),
    Action.SEND_BACK_CLOSURE: _l("Send the result back"),
    Action.REDO: _l("Redo"),
    Action.MERGE: _l("Merge into another request"),
}
ACTION_HINTS: dict[Action, object] = {
    Action.START_GUIDANCE: _l("Needs the request to be linked to the enterprise's active service plan."),
    Action.REQUEST_INFO: _l("The request waits for the enterprise and its service clock stops until it answers."),
    Action.WITHDRAW: _l("The station stops working on the request."),
    Action.CONFIRM: _l("Confirming closes the request. Please rate the service from 1 (poor) to 5 (excellent)."),
    Action.REOPEN: _l("The station takes the request up again."),
    Action.RESOLVE: _l("Where the station's head reviews results, the enterprise is told once the head approves."),
    Action.APPROVE_CLOSURE: _l("The enterprise is told the result and the request is resolved."),
    Action.SEND_BACK_CLOSURE: _l("The officer works on; say what is missing."),
}
# What resolving would leave open (service.store.open_work), as the resolve step lists it.
OPEN_ITEM_KINDS: dict[str, object] = {
    open_work.SUPERVISION_ORDER: _l("Supervision order not concluded"),
    open_work.FOLLOW_UP: _l("Hotline follow-up not done"),
    open_work.INSTRUCTION: _l("Instruction not acknowledged"),
    open_work.TASK_FORCE: _l("Task force still active"),
    open_work.MILESTONE: _l("Plan milestone not finished"),
}
# A hotline event says whose hotline it is (站长热线 or 局长热线, by the session's host) once its session is known.
HOTLINE_EVENT_TITLES: dict[EventKind, str] = {
    EventKind.HOTLINE_REQUESTED: N_("%(hotline)s requested"),
    EventKind.HOTLINE_SCHEDULED: N_("%(hotline)s scheduled"),
    EventKind.HOTLINE_HELD: N_("%(hotline)s held"),
    EventKind.HOTLINE_CANCELLED: N_("%(hotline)s cancelled"),
}
# Steps that end or undo work are drawn as cautionary buttons.
DANGEROUS = frozenset({Action.DECLINE, Action.WITHDRAW, Action.REOPEN})


def action_label(action: Action) -> str:
    return str(ACTION_LABELS.get(action, action.value))


def when(moment: datetime | None) -> str:
    """A point in time, in Asia/Shanghai (Babel's configured zone), the same way on every page."""
    if moment is None:
        return "—"
    shown: str = format_datetime(moment, "yyyy-MM-dd HH:mm")
    return shown


def file_size(size: int) -> str:
    """A file's size in the reader's language (311 B, 1.5 kB, 2.3 MB), not Jinja's English "311 Bytes"."""
    for unit, scale in (("digital-megabyte", 1024**2), ("digital-kilobyte", 1024)):
        if size >= scale:
            return format_unit(round(size / scale, 1), unit, length="short", locale=get_locale())
    return format_unit(size, "digital-byte", length="short", locale=get_locale())


def reason_text(reason: str) -> str:
    """An escalation's reason: the sweep's is a message id worded for the reader, a person's is shown as written."""
    return gettext(reason) if reason in SWEEP_REASONS else reason


def escalation_reason(request: ServiceRequest) -> str:
    return reason_text(request.escalation_reason or "")


def event_title(
    kind: EventKind, data: Mapping[str, Any] | None, hotlines: Mapping[int, HotlineSession] | None = None
) -> str:
    """What a timeline entry or a notification is about; ``hotlines`` are the sessions its data may name."""
    title = HOTLINE_EVENT_TITLES.get(kind)
    hotline_id = (data or {}).get("hotline_id")
    hotline = (hotlines or {}).get(hotline_id) if hotline_id is not None else None
    if title is None or hotline is None:
        return label(kind)
    return gettext(title, hotline=hotline_name(hotline))


def working_duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return gettext("%(minutes)s min", minutes=minutes)


def sla_badge(state: SlaState | None) -> dict[str, str] | None:
    """The badge's text and style for a request's SLA state, or None when no clock runs."""
    if state is None or state.remaining_seconds is None:
        return None
    due = state.first_response_due if state.target == "first_response" else state.resolution_due
    what = gettext("First response due") if state.target == "first_response" else gettext("Resolution due")
    title = gettext("%(label)s: %(value)s", label=what, value=when(due))
    if state.paused:
        return {"text": gettext("Paused"), "style": "muted", "title": title, "due": when(due)}
    if state.overdue or state.remaining_seconds < 0:
        return {
            "text": gettext("Overdue by %(time)s", time=working_duration(state.remaining_seconds)),
            "style": "danger",
            "title": title,
            "due": when(due),
        }
    # Less than one working day left deserves attention.
    style = "warn" if state.remaining_seconds < 8 * 3600 else "ok"
    return {
        "text": gettext("%(time)s left", time=working_duration(state.remaining_seconds)),
        "style": style,
        "title": title,
        "due": when(due),
    }


def sign_for_badge(request: ServiceRequest, now: datetime) -> dict[str, str] | None:
    """The tag of a request waiting to be signed for (late or not), or None."""
    if not sla.AWAITING_SIGN_FOR.holds(request, now):
        return None
    title = gettext("%(label)s: %(value)s", label=gettext("Sign for by"), value=when(request.sign_for_due_at))
    if sla.SIGN_FOR_OVERDUE.holds(request, now):
        return {"text": gettext("Sign-for overdue"), "style": "danger", "title": title}
    return {"text": gettext("Awaiting sign-for"), "style": "warn", "title": title}


def returned_badge(request: ServiceRequest) -> dict[str, str] | None:
    """The tag of a returned request not yet signed for again: the reason, with the officer's words as its title."""
    if request.return_reason is None:
        return None
    return {
        "text": gettext("Returned: %(reason)s", reason=label(request.return_reason)),
        "style": "warn",
        "title": request.return_note or "",
    }


def reminded_badge(request: ServiceRequest) -> dict[str, str] | None:
    """The tag of a request reminded (催办) at least once, with when it last was as its title."""
    if not request.reminder_count:
        return None
    return {
        "text": gettext("Reminded ×%(count)s", count=request.reminder_count),
        "style": "danger" if request.reminder_count > 1 else "warn",
        "title": when(request.last_reminded_at) if request.last_reminded_at else "",
    }


def redo_badge(request: ServiceRequest) -> dict[str, str] | None:
    if not request.redo_count:
        return None
    return {"text": gettext("Redo ×%(count)s", count=request.redo_count), "style": "warn", "title": ""}


def visit_badge(request: ServiceRequest, return_visit_days: int | None) -> dict[str, str] | None:
    """The tag of a result awaiting its return visit (回访): by when it is due (None: not asked for)."""
    until = visit_deadline(request, return_visit_days) if return_visit_days is not None else None
    if until is None:
        return None
    return {"text": gettext("Visit by %(date)s", date=when(until)), "style": "warn", "title": ""}


def request_tags(request: ServiceRequest, now: datetime) -> list[dict[str, str]]:
    """The supervision tags of a request, in a queue row and on its page."""
    badges = (sign_for_badge(request, now), returned_badge(request), reminded_badge(request), redo_badge(request))
    return [tag for tag in badges if tag]


def _vocabulary(kind: type[Enum], value: Any) -> str:
    try:
        return label(kind(value))
    except ValueError:
        return str(value)


def event_details(event: Event, stations: Mapping[int, StationInfo] | None = None) -> str:
    """One line saying what an event changed, in the reader's language ("" when its label says it all)."""
    data = event.data or {}
    kind = event.kind
    if kind in RELATION_KINDS or (kind == EventKind.CREATED and data.get("parent")) or data.get("action") == "merge":
        return relation_details(kind, data, stations or {})
    if kind == EventKind.CREATED and data.get("on_behalf"):
        return gettext(
            "Opened by the station on the enterprise's behalf (%(channel)s)",
            channel=_vocabulary(Channel, data.get("channel")),
        )
    if kind == EventKind.STATUS_CHANGED and data.get("action") == "redo" and data.get("new_due_at"):
        return gettext("Redo; new completion date: %(date)s", date=when(datetime.fromisoformat(data["new_due_at"])))
    if kind == EventKind.STATUS_CHANGED:
        return gettext(
            "%(old)s → %(new)s", old=_vocabulary(Status, data.get("from")), new=_vocabulary(Status, data.get("to"))
        )
    if kind == EventKind.TRIAGED:
        return gettext(
            "Category: %(category)s · priority: %(priority)s · stage: %(stage)s",
            category=_vocabulary(Category, data.get("category")),
            priority=_vocabulary(Priority, data.get("priority")),
            stage=_vocabulary(LifecycleStage, data.get("lifecycle_stage")),
        )
    if kind == EventKind.ASSIGNED:
        if data.get("assignee_name"):
            return gettext("Assigned to %(name)s", name=data["assignee_name"])
        return gettext("No longer assigned to anyone")
    if kind == EventKind.TRANSFERRED:
        stations = stations or {}
        return gettext(
            "From %(old)s to %(new)s",
            old=station_name(stations.get(data.get("from_station", 0))),
            new=station_name(stations.get(data.get("to_station", 0))),
        )
    if kind == EventKind.HANDED_OVER:
        return gettext("From %(old)s to %(new)s", old=data.get("from_name", ""), new=data.get("to_name", ""))
    if kind == EventKind.ESCALATED and data.get("by_sweep"):
        return gettext("Escalated automatically because the service time was exceeded")
    if kind == EventKind.SLA_BREACHED:
        return (
            gettext("First response overdue")
            if data.get("target") == "first_response"
            else gettext("Resolution overdue")
        )
    if kind == EventKind.RETURNED:
        return gettext("Reason: %(reason)s", reason=_vocabulary(ReturnReason, data.get("return_reason")))
    if kind == EventKind.SIGNED_FOR and data.get("late"):
        return gettext("Signed for after the sign-for time")
    if kind in (EventKind.EXTENSION_ASKED, EventKind.EXTENSION_APPROVED) and data.get("new_due_at"):
        return gettext("New completion date: %(date)s", date=when(datetime.fromisoformat(data["new_due_at"])))
    if kind == EventKind.SUPERVISION_ISSUED and data.get("deadline"):
        return gettext("Report by %(date)s", date=when(datetime.fromisoformat(data["deadline"])))
    if kind == EventKind.SUPERVISION_TIER_RAISED:
        return tier_raised(data)
    if kind == EventKind.REMINDED:
        return _reminder_details(data)
    if kind == EventKind.VISITED:
        parts = [_vocabulary(VisitChannel, data.get("channel")), _vocabulary(Satisfaction, data.get("satisfaction"))]
        if data.get("solved") is not None:
            parts.append(gettext("solved") if data["solved"] else gettext("not solved"))
        return " · ".join(parts)
    if kind == EventKind.RATED and data.get("rating"):
        return gettext("Rating: %(rating)s of 5", rating=data["rating"])
    return ""


RELATION_KINDS = frozenset({EventKind.MERGED_IN, EventKind.LINKED, EventKind.UNLINKED, EventKind.CHILD_CREATED})


def relation_details(kind: EventKind, data: Mapping[str, Any], stations: Mapping[int, StationInfo]) -> str:
    """What a merge, a link or a child request did, naming the other request by its reference number."""
    if kind == EventKind.CREATED:
        return gettext("Child request of %(reference)s, opened by the station", reference=data.get("parent", ""))
    if kind == EventKind.STATUS_CHANGED:
        return gettext("Merged into %(reference)s", reference=data.get("into", ""))
    if kind == EventKind.CHILD_CREATED:
        return gettext(
            "Child request %(reference)s, worked by %(station)s",
            reference=data.get("reference", ""),
            station=station_name(stations.get(data.get("station_id", 0))),
        )
    reference = data.get("merged") if kind == EventKind.MERGED_IN else data.get("reference")
    return {
        EventKind.MERGED_IN: gettext("%(reference)s was merged into this request; its entries are shown here"),
        EventKind.LINKED: gettext("Related to %(reference)s"),
        EventKind.UNLINKED: gettext("No longer related to %(reference)s"),
    }[kind] % {"reference": reference}


def tier_raised(data: Mapping[str, Any]) -> str:
    """What a supervision order's raised tier is now, and what it was when last told (an event's or a
    notification's data)."""
    now = _vocabulary(SupervisionTier, data.get("tier"))
    if data.get("previous"):
        before = _vocabulary(SupervisionTier, data["previous"])
        return gettext("Now %(tier)s (was %(previous)s)", tier=now, previous=before)
    return gettext("Now %(tier)s", tier=now)


def _reminder_details(data: Mapping[str, Any]) -> str:
    clock = data.get("clock")
    if clock == ReminderClock.MANUAL:
        return gettext("Reminder from the head")
    overdue = data.get("stage") == Stage.OVERDUE
    if clock == ReminderClock.SIGN_FOR:
        return gettext("Sign-for overdue") if overdue else gettext("Sign-for time nearly used up")
    return gettext("Resolution overdue") if overdue else gettext("Resolution time nearly used up")


@dataclass(frozen=True)
class EarlierResult:
    """A result a reopen or a redo left behind (kept by that step's event), as the timeline shows it."""

    category: str
    text: str
    basis: str


def earlier_result(event: Event) -> EarlierResult | None:
    given = (event.data or {}).get("earlier_result")
    if not isinstance(given, dict):
        return None
    category = given.get("category")
    shown = _vocabulary(ResultCategory, category) if category else ""
    return EarlierResult(shown, str(given.get("text") or ""), str(given.get("basis") or ""))


def event_note(event: Event) -> str:
    """The free text a person gave with an event (a reason or a note), shown as written."""
    data = event.data or {}
    if data.get("by_sweep"):
        return ""  # the sweep's reason is a fixed phrase, already worded by event_details
    return str(data.get("reason") or data.get("note") or data.get("message") or data.get("comment") or "")


def upload_limits() -> str:
    """The hint beside a file input: which files are accepted, how many and how large."""
    settings = desk_settings()
    return gettext(UPLOAD_LIMITS, count=settings.max_attachments, limit=size_limit_mb(settings))


def install_template_helpers(bp: Blueprint) -> None:
    bp.add_app_template_filter(when, "when")
    bp.add_app_template_filter(file_size, "file_size")
    bp.add_app_template_global(escalation_reason, "escalation_reason")
    bp.add_app_template_global(event_title, "event_title")
    bp.add_app_template_global(sla_badge, "sla_badge")
    bp.add_app_template_global(event_details, "event_details")
    bp.add_app_template_global(event_note, "event_note")
    bp.add_app_template_global(earlier_result, "earlier_result")
    bp.add_app_template_global(action_label, "action_label")
    bp.add_app_template_global(upload_limits, "upload_limits")
