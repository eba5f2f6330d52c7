"""A request's timeline for one reader, and what the request is waiting for.

Enterprises get only the public part: public events, public replies and the
files attached to them. Internal notes and their files never leave this module
for an enterprise reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import Integer, Select, and_, literal, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload

from service.errors import N_
from service.models import Attachment, Event, EventKind, Message, Role, ServiceRequest, Status, User
from service.rules import policy
from service.rules.policy import PolicyAction

# Shown through their message or attachment entry rather than as a line of their own.
_CARRIED_BY_ENTRIES = frozenset({EventKind.REPLY, EventKind.INTERNAL_NOTE, EventKind.ATTACHMENT})


@dataclass
class TimelineEntry:
    at: datetime
    kind: Literal["event", "message", "attachment"]
    actor: User | None
    event: Event | None = None
    message: Message | None = None
    attachments: list[Attachment] = field(default_factory=list)
    internal: bool = False
    # The reference number of the duplicate merged into this request that the entry comes from ("": its own).
    merged_from: str = ""


def timeline(session: Session, actor: User, request: ServiceRequest) -> list[TimelineEntry]:
    """Events, messages (with their files) and loose files of ``request``, oldest first, as ``actor`` may see them.

    Raises NotFound when the request is outside the actor's scope.
    """
    policy.authorize(actor, PolicyAction.REQUEST_VIEW, request)
    everything = policy.may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, request) and actor.role != Role.ENTERPRISE
    # The duplicates merged into the request bring their timelines along (service/operations/relations.py).
    own = union_all(
        select(literal(request.id)), select(ServiceRequest.id).where(ServiceRequest.merged_into_id == request.id)
    )
    events = select(Event).where(Event.request_id.in_(own), Event.kind.not_in(_CARRIED_BY_ENTRIES))
    messages = select(Message).where(Message.request_id.in_(own))
    files = select(Attachment).where(Attachment.request_id.in_(own))
    if not everything:
        events = events.where(Event.public.is_(True))
        messages = messages.where(Message.internal.is_(False))
        files = files.where(Attachment.internal.is_(False))
    shown_events = list(session.scalars(events.options(joinedload(Event.actor)).order_by(Event.id)))
    shown_messages, by_message, uploaders = _messages_and_files(session, messages, files)
    merged = {
        event.data.get("merged_id"): str(event.data.get("merged", ""))
        for event in shown_events
        if event.kind == EventKind.MERGED_IN and event.request_id == request.id
    }
    entries: list[tuple[datetime, int, int, TimelineEntry]] = []
    for event in shown_events:
        entries.append(
            (
                event.created_at,
                0,
                event.id,
                TimelineEntry(
                    event.created_at,
                    "event",
                    event.actor,
                    event=event,
                    internal=not event.public,
                    merged_from=merged.get(event.request_id, "") if event.request_id != request.id else "",
                ),
            )
        )
    for message, author in shown_messages:
        entries.append(
            (
                message.created_at,
                1,
                message.id,
                TimelineEntry(
                    message.created_at,
                    "message",
                    author,
                    message=message,
                    attachments=by_message.pop(message.id, []),
                    internal=message.internal,
                    merged_from=merged.get(message.request_id, "") if message.request_id != request.id else "",
                ),
            )
        )
    # Files whose message is not shown (or that came with the submission) stand on their own.
    for group in by_message.values():
        for attachment in group:
            entries.append(
                (
                    attachment.created_at,
                    2,
                    attachment.id,
                    TimelineEntry(
                        attachment.created_at,
                        "attachment",
                        uploaders[attachment.id],
                        attachments=[attachment],
                        internal=attachment.internal,
                    ),
                )
            )
    entries.sort(key=lambda item: item[:3])
    return [entry for *_, entry in entries]


def _messages_and_files(
    session: Session, messages: Select[Message], files: Select[Attachment]
) -> tuple[list[tuple[Message, User]], dict[int | None, list[Attachment]], dict[int, User]]:
    """The shown messages with their authors, and the shown files by message id with their uploaders.

    One statement for both lists: a union of one slot per shown file and one per shown message, each slot
    joined to its row and its person (a full outer join would say it shorter, but SQLite has it only from 3.39).
    """
    shown_messages, shown_files = messages.subquery(), files.subquery()
    message, attachment = aliased(Message, shown_messages), aliased(Attachment, shown_files)
    author, uploader = aliased(User), aliased(User)
    slots = union_all(
        select(shown_files.c.id.label("file_id"), shown_files.c.message_id),
        select(literal(None, Integer), shown_messages.c.id),
    ).subquery()
    rows = session.execute(
        select(message, author, attachment, uploader)
        .select_from(slots)
        .outerjoin(attachment, attachment.id == slots.c.file_id)
        .outerjoin(uploader, uploader.id == attachment.uploader_id)
        .outerjoin(message, and_(slots.c.file_id.is_(None), message.id == slots.c.message_id))
        .outerjoin(author, author.id == message.author_id)
        .order_by(slots.c.file_id)
    )
    shown: list[tuple[Message, User]] = []
    by_message: dict[int | None, list[Attachment]] = {}
    uploaders: dict[int, User] = {}
    for found_message, found_author, found_file, found_uploader in rows:
        if found_message is not None:
            shown.append((found_message, found_author))
        if found_file is not None:
            by_message.setdefault(found_file.message_id, []).append(found_file)
            uploaders[found_file.id] = found_uploader
    return shown, by_message, uploaders


_AWAITING_ENTERPRISE_VIEW = {
    Status.SUBMITTED: N_("Awaiting triage by the station"),
    Status.TRIAGED: N_("The station is working on it"),
    Status.EARLY_INTERVENTION: N_("The station is working on it"),
    Status.GUIDANCE: N_("The station is working on it"),
    Status.WAITING_ENTERPRISE: N_("Awaiting your reply"),
    Status.REVIEW: N_("The station is finalising its result"),
    Status.RESOLVED: N_("Awaiting your confirmation"),
    Status.CLOSED: N_("Closed; nothing is awaited"),
    Status.DECLINED: N_("Declined by the station"),
    Status.WITHDRAWN: N_("Withdrawn"),
    Status.MERGED: N_("Merged into another request, followed up there"),
}
_AWAITING_DESK_VIEW = {
    **_AWAITING_ENTERPRISE_VIEW,
    Status.TRIAGED: N_("Awaiting work by the assignee"),
    Status.EARLY_INTERVENTION: N_("Awaiting work by the assignee"),
    Status.GUIDANCE: N_("Awaiting work by the assignee"),
    Status.WAITING_ENTERPRISE: N_("Awaiting the enterprise's reply"),
    Status.REVIEW: N_("Awaiting the head's review of the result"),
    Status.RESOLVED: N_("Awaiting the enterprise's confirmation"),
}


def awaiting(request: ServiceRequest, viewer: User | None = None) -> str:
    """A message id saying what is awaited from whom, worded for the enterprise unless ``viewer`` is on the desk."""
    desk = viewer is not None and viewer.role != Role.ENTERPRISE
    if (
        desk
        and request.status in (Status.TRIAGED, Status.EARLY_INTERVENTION, Status.GUIDANCE)
        and request.assignee_id is None
    ):
        return N_("Awaiting assignment")
    return (_AWAITING_DESK_VIEW if desk else _AWAITING_ENTERPRISE_VIEW)[request.status]
