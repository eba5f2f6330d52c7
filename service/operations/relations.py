"""Relations between requests: a duplicate merged into another request of its enterprise, two related requests
linked, a child request made under a parent (a case split across stations).

Each operation edits both requests in one transaction, their rows locked in id order (two merges crossing each
other queue up instead of deadlocking) and each checked against the version its editor saw, and writes the
change on both timelines. A merge is the lifecycle's MERGE step (rules/lifecycle.py); a parent's result waits
for its children there too (``Need.CHILDREN_DONE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from service.errors import (
    CORRECT_FIELDS,
    MAX_TEXT,
    N_,
    TOO_LONG,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationError,
)
from service.models import (
    OPEN_STATUSES,
    Attachment,
    EventKind,
    RequestLink,
    ServiceRequest,
    Station,
    Status,
    TaskForce,
    User,
)
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import CHANGED_MEANWHILE, conflict, load_request, record
from service.operations.requests import RequestDraft, check_draft, new_request_row, next_reference
from service.rules import lifecycle, sla
from service.rules.policy import PolicyAction
from service.rules.reference_numbers import reference_year
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.relations import open_children
from service.store.settings import DeskSettings, service_times
from service.store.versioning import check_version, stale_is_conflict

NO_SUCH_REQUEST = N_("No request you can see has this reference number.")
# Requests a link or a merge cannot reach any more: their pages lead to the request they were merged into.
_GONE = frozenset({Status.MERGED})


def _find(session: Session, reference: str, field: str) -> int:
    """The id of the request with ``reference`` (as typed: spaces and case do not matter), typed in ``field``."""
    found = session.scalar(select(ServiceRequest.id).where(ServiceRequest.reference == reference.strip().upper()))
    if found is None:
        raise ValidationError(CORRECT_FIELDS, fields={field: NO_SUCH_REQUEST})
    return found


@contextmanager
def _editing_both(
    session: Session,
    actor: User,
    action: PolicyAction,
    first: tuple[int, int | None],
    other: tuple[int, int | None],
    field: str,
) -> Iterator[tuple[ServiceRequest, ServiceRequest]]:
    """One transaction editing two requests, each (id, the version its editor saw or None) in scope for
    ``action``; the other one (named in ``field``) out of scope reads as a reference nobody has."""
    try:
        with stale_is_conflict(CHANGED_MEANWHILE), unit_of_work(session):
            loaded: dict[int, ServiceRequest] = {}
            unseen: set[int] = set()
            for request_id in sorted({first[0], other[0]}):
                try:
                    loaded[request_id] = load(session, actor, ServiceRequest, request_id, action, lock=True)
                except NotFound:
                    unseen.add(request_id)
            # The request the actor works on answers first (NotFound), then the one named by reference.
            if first[0] in unseen:
                raise NotFound()
            if unseen:
                raise ValidationError(CORRECT_FIELDS, fields={field: NO_SUCH_REQUEST})
            for request_id, expected in (first, other):
                check_version(loaded[request_id].version, expected, CHANGED_MEANWHILE)
            yield loaded[first[0]], loaded[other[0]]
    except StaleVersion:
        raise conflict(session, first[0]) from None


def _touch(request: ServiceRequest, now: datetime) -> None:
    """A change on the other side of a relation moves the request's version too (its page went stale)."""
    request.updated_at = now
    flag_modified(request, "updated_at")  # written (and its version moved) even at the same moment


def merge_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    target_reference: str,
    *,
    target_version: int | None = None,
    reason: str = "",
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Merge the duplicate ``request_id`` into the request numbered ``target_reference`` (same enterprise) and
    return the target.

    The duplicate becomes merged (the lifecycle's MERGE), its files, child requests, links and task forces go to
    the target, whose timeline shows the duplicate's entries; the enterprise is told. Raises NotFound,
    Forbidden, Conflict (either version moved on), InvalidTransition (merged, closed, another enterprise, its
    children still open), ValidationError (no such reference, reason too long).
    """
    now = now or utcnow()
    # Who may merge is answered before what was typed is looked up (an outsider learns nothing of references).
    load_request(session, actor, request_id, PolicyAction.REQUEST_MERGE)
    reason = reason.strip()
    if len(reason) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"reason": TOO_LONG})
    target_id = _find(session, target_reference, "target")
    with _editing_both(
        session,
        actor,
        PolicyAction.REQUEST_MERGE,
        (request_id, expected_version),
        (target_id, target_version),
        "target",
    ) as (duplicate, target):
        inputs = lifecycle.Inputs(
            reason=reason, merge_into=target, open_children=tuple(open_children(session, duplicate.id))
        )
        calendar = service_times(session, settings).calendar
        lifecycle.apply(session, duplicate, lifecycle.Action.MERGE, actor, now, calendar, inputs)
        _move_to(session, duplicate, target, actor, now)
        record(
            session,
            target,
            EventKind.MERGED_IN,
            actor,
            now,
            public=True,
            merged=duplicate.reference,
            merged_id=duplicate.id,
            **({"reason": reason} if reason else {}),
        )
        _touch(target, now)
        notifications.tell_enterprise(
            session, actor, duplicate, EventKind.STATUS_CHANGED, now, status=Status.MERGED.value, into=target.reference
        )
        officers = {duplicate.assignee_id, target.assignee_id} - {None}
        notifications.notify(
            session,
            sorted(i for i in officers if i is not None),
            duplicate,
            EventKind.STATUS_CHANGED,
            now,
            exclude=actor.id,
            data={"status": Status.MERGED.value, "into": target.reference},
        )
    return target


def _move_to(session: Session, duplicate: ServiceRequest, target: ServiceRequest, actor: User, now: datetime) -> None:
    """What follows the case goes with it: files, child requests, task forces and links."""
    for model, column in (
        (Attachment, Attachment.request_id),
        (TaskForce, TaskForce.request_id),
        (ServiceRequest, ServiceRequest.parent_id),
    ):
        session.execute(
            update(model)
            .where(column == duplicate.id)
            .values({column.key: target.id})
            .execution_options(synchronize_session=False)
        )
    linked = related_ids(session, duplicate.id)
    session.execute(delete(RequestLink).where(_touching(duplicate.id)))
    already = related_ids(session, target.id)
    for other in sorted(linked - already - {target.id}):
        session.add(_link(target.id, other, actor, now))


def _touching(request_id: int) -> ColumnElement[bool]:
    return or_(RequestLink.request_id == request_id, RequestLink.related_id == request_id)


def related_ids(session: Session, request_id: int) -> set[int]:
    """The requests linked to ``request_id``."""
    rows = session.execute(select(RequestLink.request_id, RequestLink.related_id).where(_touching(request_id)))
    return {low if high == request_id else high for low, high in rows}


def _link(first: int, second: int, actor: User, now: datetime) -> RequestLink:
    low, high = sorted((first, second))
    return RequestLink(request_id=low, related_id=high, created_by_id=actor.id, created_at=now)


def link_requests(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    other_reference: str,
    *,
    other_version: int | None = None,
    now: datetime | None = None,
) -> RequestLink:
    """Link two requests as related to each other (shown on both pages, inside the desk).

    Raises NotFound, Forbidden, Conflict, InvalidTransition (itself, already linked, a merged request),
    ValidationError (no such reference).
    """
    now = now or utcnow()
    load_request(session, actor, request_id, PolicyAction.REQUEST_LINK)
    other_id = _find(session, other_reference, "other")
    with _editing_both(
        session, actor, PolicyAction.REQUEST_LINK, (request_id, expected_version), (other_id, other_version), "other"
    ) as (request, other):
        if request.id == other.id:
            raise InvalidTransition(N_("A request cannot be linked to itself."))
        if request.status in _GONE or other.status in _GONE:
            raise InvalidTransition(N_("A merged request is not linked: link the request it was merged into."))
        if other.id in related_ids(session, request.id):
            raise InvalidTransition(N_("These requests are already linked."))
        link = _link(request.id, other.id, actor, now)
        session.add(link)
        for side, counterpart in ((request, other), (other, request)):
            record(
                session, side, EventKind.LINKED, actor, now, reference=counterpart.reference, other_id=counterpart.id
            )
            _touch(side, now)
    return link


def unlink_requests(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    other_id: int,
    *,
    now: datetime | None = None,
) -> ServiceRequest:
    """Remove the link between two requests. Raises NotFound, Forbidden, Conflict, InvalidTransition (not linked)."""
    now = now or utcnow()
    pair = ((request_id, expected_version), (other_id, None))
    with _editing_both(session, actor, PolicyAction.REQUEST_LINK, *pair, "other_id") as (request, other):
        low, high = sorted((request.id, other.id))
        removed = session.execute(
            delete(RequestLink).where(RequestLink.request_id == low, RequestLink.related_id == high)
        )
        if not getattr(removed, "rowcount", 0):
            raise InvalidTransition(N_("These requests are not linked."))
        for side, counterpart in ((request, other), (other, request)):
            record(
                session, side, EventKind.UNLINKED, actor, now, reference=counterpart.reference, other_id=counterpart.id
            )
            _touch(side, now)
    return request


@dataclass(frozen=True)
class ChildDraft:
    """A child request: its own title and description, and the station that works it (the parent's by default)."""

    title: str
    description: str
    station_id: int | None = None


def create_child_request(
    session: Session,
    actor: User,
    parent_id: int,
    expected_version: int,
    draft: ChildDraft,
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Open a child request under an open parent, for the parent's enterprise and product, at ``draft``'s station
    (another sub-station may work its part); it awaits that station's triage. The parent cannot be resolved
    while a child is open.

    Raises NotFound, Forbidden, Conflict, InvalidTransition (the parent is not open), ValidationError.
    """
    now = now or utcnow()
    try:
        with stale_is_conflict(CHANGED_MEANWHILE), unit_of_work(session):
            parent = load(session, actor, ServiceRequest, parent_id, PolicyAction.REQUEST_CREATE_CHILD, lock=True)
            check_version(parent.version, expected_version, CHANGED_MEANWHILE)
            return _open_child(session, actor, parent, draft, settings, now)
    except StaleVersion:
        raise conflict(session, parent_id) from None


def _open_child(
    session: Session, actor: User, parent: ServiceRequest, draft: ChildDraft, settings: DeskSettings, now: datetime
) -> ServiceRequest:
    if parent.status not in OPEN_STATUSES:
        raise InvalidTransition(N_("Child requests are made under an open request only."))
    request_draft = RequestDraft(
        title=draft.title,
        description=draft.description,
        category=parent.category,
        lifecycle_stage=parent.lifecycle_stage,
        product_name=parent.product_name,
        device_class=parent.device_class,
        product_type=parent.product_type,
        product_field=parent.product_field,
        innovative=parent.innovative,
        urgent=parent.urgent,
        channel=parent.channel,
    )
    check_draft(request_draft)
    station = session.get(Station, parent.station_id if draft.station_id is None else draft.station_id)
    if station is None or not station.active:
        raise ValidationError(CORRECT_FIELDS, fields={"station_id": N_("Choose an active station.")})
    row = new_request_row(parent.enterprise, actor, request_draft, service_times(session, settings), settings, now)
    row["year"] = reference_year(now)
    row["sequence"], row["reference"] = next_reference(session.connection(), row["year"])
    child = ServiceRequest(**row, parent_id=parent.id)
    child.station_id = station.id
    session.add(child)
    session.flush()
    record(
        session,
        child,
        EventKind.CREATED,
        actor,
        now,
        public=True,
        reference=child.reference,
        channel=child.channel.value,
        on_behalf=True,
        station_id=station.id,
        parent=parent.reference,
        **sla.due_times_data(child.first_response_due_at, child.resolution_due_at),
    )
    record(
        session,
        parent,
        EventKind.CHILD_CREATED,
        actor,
        now,
        public=True,
        reference=child.reference,
        other_id=child.id,
        station_id=station.id,
    )
    _touch(parent, now)
    notifications.notify(
        session, notifications.station_desk(station.id), child, EventKind.CREATED, now, exclude=actor.id
    )
    return child
