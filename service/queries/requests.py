"""Request queues: always scoped by the policy, keyset-paginated, counted with a cap.

Keyset pagination (``id < cursor`` on the id-ordered indexes) makes page 5000
cost what page 1 costs; the count stops at COUNT_CAP so that a queue of a
million rows answers as fast as one of a hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, false, func, literal, or_, select, union_all
from sqlalchemy.orm import QueryableAttribute, Session, aliased, joinedload

from service.infrastructure.text_index import parse_query
from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    OPEN_STATUSES,
    RESULT_STATUSES,
    Category,
    LifecycleStage,
    Priority,
    Role,
    ServiceRequest,
    Station,
    Status,
    SupervisionOrder,
    User,
)
from service.models.base import UTCDateTime, utcnow
from service.queries.search import (
    MatchReason,
    match_reasons,
    parse_reference,
    queue_enterprises,
    sees_internal,
    text_matches,
)
from service.rules import policy, sla
from service.rules.policy import PolicyAction
from service.rules.sla_calendar import WorkingCalendar

COUNT_CAP = 10_000
# A request's reference number (JL-2026-000123), typed into a queue's search box.
REFERENCE = re.compile(r"JL-\d{4}-\d{6}", re.IGNORECASE)
DESK_QUEUES = (
    "new",
    "mine",
    "to_sign",
    "due",
    "reminded",
    "supervised",
    "review",
    "to_visit",
    "unassigned",
    "waiting",
    "overdue",
    "sign_overdue",
    "open",
    "escalated",
    "all",
)
ENTERPRISE_QUEUES = ("open", "all")
SORTS = ("newest", "oldest", "due")
# Sorting by due time reads a queue's rows in full to order them: fine for open cases (a few
# thousand per station), not for a province's whole history, where "due" means newest first.
_DUE_SORT_QUEUES = frozenset(DESK_QUEUES) - {"all"}
# Requests without a due time (none are open) sort after every real one.
_NO_DUE_TIME = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass
class QueueFilters:
    queue: str = "open"
    status: Status | None = None
    category: Category | None = None
    priority: Priority | None = None
    lifecycle_stage: LifecycleStage | None = None
    assignee_id: int | None = None
    station_id: int | None = None
    escalated: bool | None = None
    text: str = ""
    # One of SORTS: "newest" first, "oldest" first, or "due" (the resolution due soonest first).
    sort: str = "newest"
    # The "due" queue holds what falls due before this moment (one working day on: ``queue_horizons``), the
    # "to_visit" queue results given since this one (the return visit's days ago). None: now (nothing ahead of
    # now is due; no result is recent enough).
    due_by: datetime | None = None
    visits_since: datetime | None = None


@dataclass
class QueuePage:
    items: list[ServiceRequest]
    next_cursor: int | None
    count_label: str
    count: int = 0
    capped: bool = False
    filters: QueueFilters = field(default_factory=QueueFilters)
    # Filtered by words: why each request on the page matched them.
    reasons: dict[int, tuple[MatchReason, ...]] = field(default_factory=dict)


def queues_for(actor: User) -> tuple[str, ...]:
    return ENTERPRISE_QUEUES if actor.role == Role.ENTERPRISE else DESK_QUEUES


def work_queues(actor: User) -> tuple[str, ...]:
    """The desk queues of what waits for ``actor`` to act (their tabs carry a count): sign-fors, due and reminded
    requests, requests under supervision and results to visit; for a head also the results to review."""
    mine = ("to_sign", "due", "reminded", "supervised", "to_visit")
    return (*mine, "review") if actor.role == Role.DIRECTOR else mine


def queue_count(
    session: Session, actor: User, filters: QueueFilters, cap: int, now: datetime | None = None
) -> Select[int]:
    """The query counting ``filters``' queue up to ``cap`` + 1 (a tab's or a menu item's count says "99+")."""
    ids = build_queue_select(session, actor, filters, now).with_only_columns(ServiceRequest.id).order_by(None)
    return select(func.count()).select_from(ids.limit(cap + 1).subquery())


def queue_counts(
    session: Session, actor: User, filters: QueueFilters, queues: Sequence[str], cap: int, now: datetime | None = None
) -> dict[str, int]:
    """How many requests each of ``queues`` holds (``filters``' horizons; counting stops past ``cap``), in one
    statement."""
    counts = [queue_count(session, actor, replace(filters, queue=name), cap, now).scalar_subquery() for name in queues]
    if not counts:
        return {}
    return dict(zip(queues, session.execute(select(*counts)).one(), strict=True))


def default_sort(queue: str) -> str:
    """A queue's order when none is asked for: what falls due soonest first in the "due" queue, else newest."""
    return "due" if queue == "due" else "newest"


class Horizons(TypedDict):
    """``QueueFilters``' horizons of the "due" and "to_visit" queues."""

    due_by: datetime
    visits_since: datetime


def queue_horizons(calendar: WorkingCalendar, now: datetime, return_visit_days: int) -> Horizons:
    """The horizons seen at ``now``."""
    return {"due_by": sla.one_working_day_on(calendar, now), "visits_since": now - timedelta(days=return_visit_days)}


def _open() -> ColumnElement[bool]:
    return ServiceRequest.status.in_(OPEN_STATUSES)


def _theirs(actor: User) -> ColumnElement[bool]:
    """Dispatched to the reader, or at the reader's station's desk with nobody yet."""
    return or_(
        ServiceRequest.assignee_id == actor.id,
        and_(ServiceRequest.assignee_id.is_(None), ServiceRequest.station_id == actor.station_id),
    )


Clause = Callable[[User, QueueFilters, datetime], ColumnElement[bool]]
# Each desk queue's WHERE clause, built only for the queue asked for (a page counts several).
_QUEUE_CLAUSES: dict[str, Clause] = {
    "new": lambda _actor, _filters, _now: ServiceRequest.status == Status.SUBMITTED,
    "mine": lambda actor, _filters, _now: and_(ServiceRequest.assignee_id == actor.id, _open()),
    "unassigned": lambda _actor, _filters, _now: and_(ServiceRequest.assignee_id.is_(None), _open()),
    "waiting": lambda _actor, _filters, _now: ServiceRequest.status == Status.WAITING_ENTERPRISE,
    "overdue": lambda _actor, _filters, now: sla.OVERDUE.clause(now),
    # What waits for the reader's sign-for: dispatched to them, or transferred to their station's desk.
    "to_sign": lambda actor, _filters, now: and_(sla.AWAITING_SIGN_FOR.clause(now), _theirs(actor)),
    "sign_overdue": lambda _actor, _filters, now: sla.SIGN_FOR_OVERDUE.clause(now),
    # The reader's requests whose running clock falls due within a working day, or has fallen due (but a result
    # waiting for the head's review: it waits for the head).
    "due": lambda actor, filters, now: and_(
        ServiceRequest.assignee_id == actor.id,
        ServiceRequest.status != Status.REVIEW,
        sla.OVERDUE.clause(filters.due_by or now),
    ),
    # The reader's open requests a reminder (催办) has been sent about.
    "reminded": lambda actor, _filters, _now: and_(
        ServiceRequest.assignee_id == actor.id, _open(), ServiceRequest.reminder_count > 0
    ),
    # The reader's open requests under a supervision order (督办) not yet concluded.
    # Found from the orders the reader may see (a request of theirs has its orders there): walked the other way,
    # every open request of a station's desk would be tested.
    "supervised": lambda actor, _filters, _now: and_(
        _open(),
        _theirs(actor),
        ServiceRequest.id.in_(
            select(SupervisionOrder.request_id).where(
                policy.visible_orders(actor), SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES))
            )
        ),
    ),
    # Results waiting for the head's review (办结审核).
    "review": lambda _actor, _filters, _now: ServiceRequest.status == Status.REVIEW,
    # Results within the return visit's days that nobody has visited (回访), for anyone but their handler. Found by
    # their resolution time first: tested as they come, a station's million past results would be walked.
    "to_visit": lambda actor, filters, now: and_(
        ServiceRequest.id.in_(
            select(ServiceRequest.id).where(ServiceRequest.resolved_at >= (filters.visits_since or now)).correlate(None)
        ),
        ServiceRequest.status.in_(sorted(RESULT_STATUSES)),
        # Tested on the rows found (a plain IS NULL would have SQLite walk every unvisited request of the station).
        func.coalesce(ServiceRequest.visited_at, None).is_(None),
        or_(ServiceRequest.assignee_id.is_(None), ServiceRequest.assignee_id != actor.id),
    ),
    "open": lambda _actor, _filters, _now: _open(),
    "escalated": lambda _actor, _filters, _now: and_(ServiceRequest.escalated.is_(True), _open()),
}


def _queue_clause(queue: str, actor: User, filters: QueueFilters, now: datetime) -> ColumnElement[bool] | None:
    build = _QUEUE_CLAUSES.get(queue)
    return build(actor, filters, now) if build is not None else None


# The statuses a queue can hold. A status filter outside them empties the queue, and the query says so
# as a constant: the database would otherwise walk the queue's rows to find none.
_QUEUE_STATUSES: dict[str, frozenset[Status]] = {
    "new": frozenset({Status.SUBMITTED}),
    "waiting": frozenset({Status.WAITING_ENTERPRISE}),
    "overdue": sla.OVERDUE.statuses,
    "to_sign": frozenset(OPEN_STATUSES),
    "due": sla.OVERDUE.statuses - {Status.REVIEW},
    "reminded": frozenset(OPEN_STATUSES),
    "supervised": frozenset(OPEN_STATUSES),
    "review": frozenset({Status.REVIEW}),
    "to_visit": frozenset(RESULT_STATUSES),
    "sign_overdue": frozenset(OPEN_STATUSES),
    "mine": frozenset(OPEN_STATUSES),
    "unassigned": frozenset(OPEN_STATUSES),
    "open": frozenset(OPEN_STATUSES),
    "escalated": frozenset(OPEN_STATUSES),
}


def build_queue_select(
    session: Session, actor: User, filters: QueueFilters, now: datetime | None = None
) -> Select[ServiceRequest]:
    """The queue's rows in the filters' order, restricted to what ``actor`` may see. Unknown queue names mean "open"."""
    now = now or utcnow()
    queue = _queue_name(actor, filters)
    query = select(ServiceRequest).where(policy.visible_requests(actor))
    clause = _queue_clause(queue, actor, filters, now)
    if clause is not None:
        query = query.where(clause)
    holds = _QUEUE_STATUSES.get(queue)
    if filters.status is not None and holds is not None and filters.status not in holds:
        query = query.where(false())
    for column, value in (
        (ServiceRequest.status, filters.status),
        (ServiceRequest.category, filters.category),
        (ServiceRequest.priority, filters.priority),
        (ServiceRequest.lifecycle_stage, filters.lifecycle_stage),
        (ServiceRequest.assignee_id, filters.assignee_id),
        (ServiceRequest.station_id, filters.station_id),
        (ServiceRequest.escalated, filters.escalated),
    ):
        if value is not None:
            query = query.where(column == value)
    text = filters.text.strip()
    if text and not _has_words(filters):
        query = query.where(ServiceRequest.reference == text.upper())
    elif text:
        # Words go through the full-text index: a substring test would read every row of the queue.
        dialect = session.get_bind().dialect.name
        words = text_matches(dialect, actor, text)
        named = queue_enterprises(session, actor, text)
        # Counted from the enterprise index alone; the queue's own clause applies the policy to what is found.
        their = select(ServiceRequest.id).where(ServiceRequest.enterprise_id.in_(named)).correlate(None)
        if words is None:
            query = query.where(false())
        elif named and _common(session, their):
            # The words name enterprises with many requests (公司 is in every name: a million). The queue is
            # walked and each row tested, its enterprise against theirs first (the words' matches in the text
            # are gathered only for a row that is not theirs), rather than every one of their requests listed.
            query = query.where(or_((ServiceRequest.enterprise_id + 0).in_(named), (ServiceRequest.id + 0).in_(words)))
        elif named:
            query = query.where(ServiceRequest.id.in_(union_all(words, their)))
        elif holds is not None and dialect == "sqlite" and policy.sees_every_station(actor) and _common(session, words):
            # SQLite reads the index's matches one by one and looks each request up (1.4 µs apiece: 注册 in
            # 180,000 of the province's million documents, 0.25 s). An open-case queue is far smaller: walked
            # through its status index, each row is tested against the matches, gathered once. "+ 0" keeps
            # the planner from turning the test back into lookups by id. A station's share of the matches
            # (28,800 for the largest) is looked up faster than its queue is walked.
            query = query.where((ServiceRequest.id + 0).in_(words))
        else:
            query = query.where(ServiceRequest.id.in_(words))
    return query.order_by(*_ordering(_sort(filters, queue)))


# Matches from which walking the province's open cases costs less than looking each match up (SQLite, at a
# million requests: 20,000 lookups take about 27 ms, walking the 30,000 open cases about 30 ms).
COMMON_WORD_MATCHES = 20_000


def _common(session: Session, words: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]) -> bool:
    """Whether the words' matches reach COMMON_WORD_MATCHES; counting stops there (a few ms at most)."""
    capped = words.limit(COMMON_WORD_MATCHES).subquery()
    return (session.scalar(select(func.count()).select_from(capped)) or 0) >= COMMON_WORD_MATCHES


def _queue_name(actor: User, filters: QueueFilters) -> str:
    return filters.queue if filters.queue in queues_for(actor) else "open"


def _sort(filters: QueueFilters, queue: str) -> str:
    if filters.sort == "due" and queue not in _DUE_SORT_QUEUES:
        return "newest"
    return filters.sort if filters.sort in SORTS else "newest"


def _due_key(request: type[ServiceRequest] = ServiceRequest) -> ColumnElement[datetime]:
    return func.coalesce(request.resolution_due_at, literal(_NO_DUE_TIME, UTCDateTime()))


def _ordering(
    sort: str, key: ColumnElement[int] | QueryableAttribute[int] = ServiceRequest.id
) -> tuple[ColumnElement[Any], ...]:
    """The ``sort`` order, ids compared as ``key``."""
    if sort == "oldest":
        return (key.asc(),)
    if sort == "due":
        return (_due_key().asc(), ServiceRequest.id.asc())
    return (key.desc(),)


def _after(
    sort: str, cursor: int, key: ColumnElement[int] | QueryableAttribute[int] = ServiceRequest.id
) -> ColumnElement[bool]:
    """Rows after the one with id ``cursor`` in the ``sort`` order (ids compared as ``key``): a keyset page,
    whatever the depth."""
    if sort == "oldest":
        return key > cursor
    if sort == "due":
        shown = aliased(ServiceRequest)
        due_shown = select(_due_key(shown)).where(shown.id == cursor).scalar_subquery()
        return or_(_due_key() > due_shown, and_(_due_key() == due_shown, ServiceRequest.id > cursor))
    return key < cursor


def _count_label(count: int) -> tuple[str, bool]:
    if count > COUNT_CAP:
        return f"{COUNT_CAP:,}+", True
    return f"{count:,}", False


def queue_page(
    session: Session,
    actor: User,
    filters: QueueFilters,
    *,
    cursor: int | None,
    limit: int = 25,
    now: datetime | None = None,
) -> QueuePage:
    """One page after ``cursor`` (the last id of the previous page), with the people and station it shows."""
    base = build_queue_select(session, actor, filters, now)
    limit = max(1, min(limit, 200))
    queue = _queue_name(actor, filters)
    sort = _sort(filters, queue)
    keys = base.with_only_columns(ServiceRequest.id)
    key: ColumnElement[int] | QueryableAttribute[int] = ServiceRequest.id
    if _unassigned_by_id(session, queue, filters, sort):
        # SQLite fills a page of unassigned cases by walking the station's history in id order (from the
        # cursor on), however few of them a filter leaves (P1 at a million requests: 0.18 s). Found through the
        # open cases' indexes and sorted, they take 5 ms; "+ 0" keeps the id index away from the planner.
        key = ServiceRequest.id + 0
        keys = keys.order_by(None).order_by(*_ordering(sort, key))
    if cursor is not None:
        keys = keys.where(_after(sort, cursor, key))
    # The page's ids first, ordered from the indexes alone; then only those rows are read whole
    # (sorting a province's open cases by due time moves ids, not rows).
    # The page size is written into the SQL, not bound: told only "LIMIT ?", SQLite's planner walks the whole
    # table or a station's requests in id order rather than sort the few rows an index gives it (a station
    # director's own open cases: 0.2 s -> 0.1 ms at a million requests).
    page_size = literal(limit + 1, literal_execute=True)
    page_query = (
        select(ServiceRequest)
        .where(ServiceRequest.id.in_(keys.limit(page_size).scalar_subquery()))
        .order_by(*_ordering(sort))
        .options(
            joinedload(ServiceRequest.enterprise),
            joinedload(ServiceRequest.assignee),
            joinedload(ServiceRequest.station),
        )
    )
    rows = list(session.scalars(page_query).unique())
    items = rows[:limit]
    more = len(rows) > limit
    if _has_words(filters):
        # Counting would intersect every request holding the words with the queue: say what the page knows.
        count, capped = len(items), more
        label = f"{count:,}+" if more else f"{count:,}"
    else:
        capped_ids = base.with_only_columns(ServiceRequest.id).order_by(None).limit(COUNT_CAP + 1).subquery()
        count = session.scalar(select(func.count()).select_from(capped_ids)) or 0
        label, capped = _count_label(count)
        count = min(count, COUNT_CAP)
    return QueuePage(
        items=items,
        next_cursor=items[-1].id if more else None,
        count_label=label,
        count=count,
        capped=capped,
        filters=filters,
        reasons=_reasons(actor, filters.text, items),
    )


def _reasons(actor: User, text: str, items: list[ServiceRequest]) -> dict[int, tuple[MatchReason, ...]]:
    text = text.strip()
    if not text:
        return {}
    query, reference = parse_query(text), parse_reference(text)
    return {r.id: match_reasons(r, query, reference, sees_internal(actor)) for r in items}


def _unassigned_by_id(session: Session, queue: str, filters: QueueFilters, sort: str) -> bool:
    """Whether the page's ids are sorted after the unassigned queue's index found them (SQLite; words are
    found through the full-text index instead)."""
    return (
        session.get_bind().dialect.name == "sqlite"
        and sort != "due"
        and not _has_words(filters)
        and queue == "unassigned"
    )


def _has_words(filters: QueueFilters) -> bool:
    text = filters.text.strip()
    return bool(text) and not REFERENCE.fullmatch(text)


def assignable_users(session: Session, actor: User, station_id: int) -> list[User]:
    """Active staff and directors who cover ``station_id``: its own people and the hub's."""
    policy.authorize(actor, PolicyAction.DESK_USE, None)
    query = (
        select(User)
        .outerjoin(Station, User.station_id == Station.id)
        .where(policy.desk_members(), or_(User.station_id == station_id, Station.is_hub.is_(True)))
        .order_by(Station.is_hub, User.name)
    )
    return list(session.scalars(query))
