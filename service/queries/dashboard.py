"""The director's dashboard: every number aggregated in SQL over the director's scope.

Each number on the dashboard is a *bucket*: a named WHERE clause in
``BUCKETS``. The dashboard counts a bucket with ``count(*) FILTER (WHERE …)``
and the case list behind the number selects rows with the very same clause, so
a number and its list cannot disagree. Everything works on SQLite and
PostgreSQL alike: week boundaries are computed in Python (Asia/Shanghai weeks
starting on Monday) and become plain range filters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, case, func, select, true
from sqlalchemy.orm import QueryableAttribute, Session, joinedload

from service.errors import Forbidden
from service.models import (
    OPEN_STATUSES,
    CalendarDay,
    HotlineSession,
    HotlineStatus,
    Instruction,
    ServiceRequest,
    Status,
    User,
)
from service.queries.knowledge import deflections_select
from service.queries.plans import awaiting_approval_count, count_overdue_milestones
from service.queries.working_time import Span, WorkingTimeSql
from service.rules import policy, sla
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.rules.sla_calendar import WorkingCalendar
from service.store import reference
from service.store.reference import StationInfo

DEFAULT_RANGE_DAYS = 90
WEEKS = 12
UPCOMING_DAYS = 14
# The median of resolution times is taken over this many of the period's latest resolutions (median_resolution).
MEDIAN_SAMPLE = 2000
AGE_BUCKETS = (("age_0_7", 0, 7), ("age_8_30", 8, 30), ("age_31_90", 31, 90), ("age_over_90", 91, None))

R = ServiceRequest


@dataclass(frozen=True)
class Scope:
    """Whose cases, which station, which dates: everything a bucket's clause may depend on."""

    actor: User
    station_id: int | None
    date_from: date
    date_to: date
    now: datetime

    @property
    def start(self) -> datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        return local_midnight(self.date_to + timedelta(days=1))

    @property
    def today(self) -> date:
        return self.now.astimezone(LOCAL_TZ).date()

    def where(self) -> ColumnElement[bool]:
        clause = policy.visible_requests(self.actor)
        if self.station_id is not None:
            clause = and_(clause, R.station_id == self.station_id)
        return clause


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ)


def make_scope(
    actor: User,
    now: datetime,
    station_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Scope:
    """The scope the filters ask for, narrowed to what ``actor`` may see.

    Only someone who sees every station may pick one; a station director's
    scope is always their own station, whatever the address says.
    """
    today = now.astimezone(LOCAL_TZ).date()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    chosen = station_id if policy.sees_every_station(actor) else None
    return Scope(actor=actor, station_id=chosen, date_from=date_from, date_to=date_to, now=now)


def _in(column: QueryableAttribute[datetime | None], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _age(low: int, high: int | None) -> Callable[[Scope], ColumnElement[bool]]:
    """Cases whose age in whole days since creation lies in [low, high]."""

    def clause(scope: Scope) -> ColumnElement[bool]:
        parts = [R.created_at <= scope.now - timedelta(days=low)]
        if high is not None:
            parts.append(R.created_at > scope.now - timedelta(days=high + 1))
        return and_(*parts)

    return clause


def _responded(scope: Scope) -> ColumnElement[bool]:
    """First answered in the period; a case answered before it had a due time has no "on time" to count."""
    return and_(_in(R.first_responded_at, scope.start, scope.end), R.first_response_due_at.is_not(None))


Window = Callable[[Scope], tuple[datetime, datetime]]


def _hotline(
    status: HotlineStatus,
    column: QueryableAttribute[datetime | None],
    window: Window,
    *conditions: ColumnElement[bool],
) -> Clause:
    """Cases with a session in ``status`` whose ``column`` time falls in ``window`` (and meets ``conditions``)."""

    def clause(scope: Scope) -> ColumnElement[bool]:
        start, end = window(scope)
        # IN over the few sessions in the window (found by their status-time index), not a
        # correlated EXISTS that SQLite would evaluate once for each of a million requests.
        return R.id.in_(
            select(HotlineSession.request_id).where(
                HotlineSession.status == status, _in(column, start, end), *conditions
            )
        )

    return clause


Clause = Callable[[Scope], ColumnElement[bool]]

# Buckets counted together, as (what every bucket of the group selects, what each one tests besides): one
# walk of the group's rows counts them all. The open-case snapshot groups open cases by status, so it
# applies each bucket's statuses once per group, in Python, instead of testing every one of tens of
# thousands of cases against a list of statuses in each count.
_OPEN_BUCKETS: dict[str, tuple[frozenset[Status], Clause | None]] = {
    "open": (OPEN_STATUSES, None),
    **{name: (OPEN_STATUSES, _age(low, high)) for name, low, high in AGE_BUCKETS},
    "overdue_response": (sla.RUNNING, lambda s: sla.FIRST_RESPONSE_OVERDUE.clock_clause(s.now)),
    "overdue_resolution": (sla.RUNNING, lambda s: sla.RESOLUTION_OVERDUE.clock_clause(s.now)),
    "escalated": (OPEN_STATUSES, lambda s: R.escalated.is_(True)),
}
SNAPSHOT = tuple(_OPEN_BUCKETS)
# The period's figures that share an index range (responded, resolved).
_RANGE_BUCKETS: dict[str, tuple[Clause, dict[str, Clause | None]]] = {
    "responded": (
        _responded,
        {
            "responded": None,
            "responded_on_time": lambda s: sla.RESPONDED_ON_TIME.clause(s.now),
            "responded_late": lambda s: sla.RESPONDED_LATE.clause(s.now),
        },
    ),
    "resolved": (
        lambda s: _in(R.resolved_at, s.start, s.end),
        {"resolved": None, "rated": lambda s: R.rating.is_not(None)},
    ),
}


def _both(selects: Clause, test: Clause | None) -> Clause:
    return selects if test is None else lambda s: and_(selects(s), test(s))


def _in_statuses(statuses: frozenset[Status]) -> Clause:
    return lambda s: R.status.in_(statuses)


def _counts(tests: dict[str, Clause | None], scope: Scope) -> list[Any]:
    return [
        (func.count() if test is None else func.count().filter(test(scope))).label(name) for name, test in tests.items()
    ]


BUCKETS: dict[str, Clause] = {
    **{name: _both(_in_statuses(statuses), test) for name, (statuses, test) in _OPEN_BUCKETS.items()},
    **{name: _both(selects, test) for selects, tests in _RANGE_BUCKETS.values() for name, test in tests.items()},
    "opened": lambda s: _in(R.created_at, s.start, s.end),
    "hotline_upcoming": _hotline(
        HotlineStatus.SCHEDULED, HotlineSession.scheduled_at, lambda s: (s.now, s.now + timedelta(days=UPCOMING_DAYS))
    ),
    # A session marked held before its scheduled start (possible before the rule existed) was not held.
    "hotline_held": _hotline(
        HotlineStatus.HELD,
        HotlineSession.held_at,
        lambda s: (s.start, s.end),
        HotlineSession.held_at >= HotlineSession.scheduled_at,
    ),
}


def cases_select(scope: Scope, bucket: str, status: Status | None = None) -> Select[ServiceRequest]:
    """The cases behind one number, newest first. An unknown bucket means "open"."""
    clause = BUCKETS.get(bucket, BUCKETS["open"])(scope)
    query = select(R).where(scope.where(), clause)
    if status is not None:
        query = query.where(R.status == status)
    return query.order_by(R.id.desc())


@dataclass(frozen=True)
class Week:
    start: date

    @property
    def end(self) -> date:
        """The week's last day (Sunday), inclusive as the date filters are."""
        return self.start + timedelta(days=6)


@dataclass
class Dashboard:
    scope: Scope
    totals: dict[str, int]
    by_status: dict[Status, int]
    by_station: list[tuple[StationInfo, dict[str, int]]]
    range_counts: dict[str, int]
    rating_average: float | None
    # Over the period's latest resolutions (median_resolutions of them, at most MEDIAN_SAMPLE), to a tenth of a
    # working day.
    median_days: float | None
    median_resolutions: int
    unacknowledged: int
    plans_awaiting: int
    overdue_milestones: int
    upcoming: list[HotlineSession]
    # Questions the knowledge base answered on the new-request form in the period (deflections).
    knowledge_saved: int
    weeks: list[Week]
    opened_per_week: list[int]
    resolved_per_week: list[int]
    stations: list[StationInfo] = field(default_factory=list)

    def share(self, part: str, whole: str) -> float | None:
        total = self.range_counts.get(whole, 0)
        return self.range_counts.get(part, 0) / total if total else None


def build_dashboard(session: Session, scope: Scope, calendar: WorkingCalendar) -> Dashboard:
    """Every figure of the dashboard, in a handful of aggregate statements. Raises Forbidden for non-directors."""
    if not policy.may(scope.actor, PolicyAction.DASHBOARD_VIEW):
        raise Forbidden()
    totals, by_status, per_station = _snapshot(session, scope)
    station_rows = _stations(session, scope)
    weeks = weeks_ending(scope.date_to)
    figures = _figures(session, scope, weeks)
    median, resolutions = median_resolution(session, scope, calendar)
    return Dashboard(
        scope=scope,
        totals=totals,
        by_status=by_status,
        by_station=[(s, per_station.get(s.id, dict.fromkeys(SNAPSHOT, 0))) for s in station_rows],
        range_counts={name: figures[name] or 0 for name in COUNTED},
        rating_average=round(float(figures["rating"]), 2) if figures["rating"] is not None else None,
        median_days=round(median, 1) if median is not None else None,
        median_resolutions=resolutions,
        unacknowledged=figures["unacknowledged"] or 0,
        plans_awaiting=figures["plans_awaiting"] or 0,
        overdue_milestones=count_overdue_milestones(session, scope.actor, scope.today),
        upcoming=_upcoming(session, scope),
        knowledge_saved=figures["knowledge_saved"] or 0,
        weeks=weeks,
        opened_per_week=[figures[f"opened_{n}"] or 0 for n in range(len(weeks))],
        resolved_per_week=[figures[f"resolved_{n}"] or 0 for n in range(len(weeks))],
        stations=station_rows,
    )


def _snapshot(session: Session, scope: Scope) -> tuple[dict[str, int], dict[Status, int], dict[int, dict[str, int]]]:
    """Open cases per station and status, each with its snapshot buckets: one GROUP BY over open cases."""
    counts = _counts({name: test for name, (_, test) in _OPEN_BUCKETS.items()}, scope)
    rows = session.execute(
        select(R.station_id, R.status, *counts)
        .where(scope.where(), BUCKETS["open"](scope))
        .group_by(R.status, R.station_id)
    ).all()
    totals = dict.fromkeys(SNAPSHOT, 0)
    by_status = {s: 0 for s in Status if s in OPEN_STATUSES}
    per_station: dict[int, dict[str, int]] = {}
    for row in rows:
        station = per_station.setdefault(row.station_id, dict.fromkeys(SNAPSHOT, 0))
        for name, (statuses, _) in _OPEN_BUCKETS.items():
            value = (getattr(row, name) or 0) if row.status in statuses else 0
            totals[name] += value
            station[name] += value
        by_status[row.status] += row.open or 0
    return totals, by_status, per_station


def _stations(session: Session, scope: Scope) -> list[StationInfo]:
    """The stations the breakdown lists: all active ones for the province-wide view, else just the one in scope."""
    every = reference.stations(session)
    if scope.station_id is not None:
        return [s for s in every if s.id == scope.station_id]
    if not policy.sees_every_station(scope.actor):
        return [s for s in every if s.id == scope.actor.station_id]
    return [s for s in every if s.active]


def _count(scope: Scope, bucket: str) -> Select[int]:
    return select(func.count()).select_from(R).where(scope.where(), BUCKETS[bucket](scope))


COUNTED = (
    "opened",
    "responded",
    "responded_on_time",
    "responded_late",
    "resolved",
    "rated",
    "hotline_held",
    "hotline_upcoming",
)


def _figures(session: Session, scope: Scope, weeks: list[Week]) -> dict[str, Any]:
    """The period's counts, the rating average, open instructions and the weekly series, in one statement.

    Each figure is a subquery, so each walks only its own index range (created, responded,
    resolved), however many requests the province holds; figures of one range share one walk.
    """
    shared = {name for _, tests in _RANGE_BUCKETS.values() for name in tests}
    figures = {name: _count(scope, name) for name in COUNTED if name not in shared}
    figures["unacknowledged"] = (
        select(func.count(Instruction.id))
        .join(R, Instruction.request_id == R.id)
        .where(scope.where(), Instruction.acknowledged_at.is_(None))
    )
    figures["plans_awaiting"] = awaiting_approval_count(scope.actor)
    figures["knowledge_saved"] = deflections_select(scope.actor, scope.station_id, scope.start, scope.end)
    for n, week in enumerate(weeks):
        start, end = local_midnight(week.start), local_midnight(week.start + timedelta(days=7))
        for series, column in (("opened", R.created_at), ("resolved", R.resolved_at)):
            figures[f"{series}_{n}"] = select(func.count()).select_from(R).where(scope.where(), _in(column, start, end))
    walks = {
        group: select(*_counts(tests, scope)).where(scope.where(), selects(scope))
        for group, (selects, tests) in _RANGE_BUCKETS.items()
    }
    # Averaged over the resolved: AVG passes over the unrated, so it is the rated ones' average.
    walks["resolved"] = walks["resolved"].add_columns(func.avg(R.rating).label("rating"))
    ranges: list[FromClause] = [query.subquery(group) for group, query in walks.items()]
    # One row each, joined side by side.
    joined = functools.reduce(lambda left, right: left.join(right, true()), ranges)
    row = session.execute(
        select(
            *(query.scalar_subquery().label(name) for name, query in figures.items()),
            *(column for counted in ranges for column in counted.c),
        ).select_from(joined)
    ).one()
    return row._asdict()


def weeks_ending(last_day: date, count: int = WEEKS) -> list[Week]:
    """``count`` Monday-to-Sunday weeks, the last one containing ``last_day``."""
    monday = last_day - timedelta(days=last_day.weekday())
    return [Week(monday - timedelta(weeks=count - 1 - i)) for i in range(count)]


def median_resolution(session: Session, scope: Scope, calendar: WorkingCalendar) -> tuple[float | None, int]:
    """The median time from submission to resolution over the period's latest ``MEDIAN_SAMPLE`` resolutions, in
    working days of the calendar (a day's working hours count as one: ``calendar.working_days_between``), and how
    many resolutions it was taken over. One statement (the SQL of the working time: service/queries/working_time.py).

    Each duration costs some microseconds of SQL (its days, the calendar's exceptions among them): a quarter of a
    million requests holds some 50,000 resolutions, a third of a second, so the latest ones stand for them. The
    durations read each moment several times, so the moments are worked out a level below, once per row: the
    LIMIT keeps both databases from merging that level into the next, which would work each moment out again for
    every use, for every exception joined too."""
    sql = WorkingTimeSql(calendar, session.get_bind().dialect.name)
    # A resolution recorded before its submission (no such data is made, but SQL would be told) took no time.
    submitted = case((R.created_at < R.resolved_at, R.created_at), else_=R.resolved_at)
    moments = (
        select(
            R.id,
            sql.local_seconds(submitted).label("submitted"),
            sql.local_seconds(R.resolved_at).label("resolved"),
        )
        .where(scope.where(), BUCKETS["resolved"](scope))
        .order_by(R.resolved_at.desc())
        .limit(MEDIAN_SAMPLE)
        .subquery("moments")
    )
    first, last = sql.day(moments.c.submitted), sql.day(moments.c.resolved)
    span = Span(first, sql.into_day(moments.c.submitted, first), last, sql.into_day(moments.c.resolved, last))
    # Each duration with the exceptions of the days it spans (mostly none), summed: one row per resolution.
    durations = (
        select(
            (sql.by_weekdays(span) + func.coalesce(func.sum(sql.exception_share(span)), 0.0)).label("seconds"),
            func.count().over().label("total"),
        )
        .select_from(moments.outerjoin(CalendarDay, sql.exceptions_within(span)))
        .group_by(moments.c.id, moments.c.submitted, moments.c.resolved)
        .subquery("durations")
    )
    ranked = select(
        durations.c.seconds,
        durations.c.total,
        func.row_number().over(order_by=durations.c.seconds).label("position"),
    ).subquery("ranked")
    # The middle one, or the two middle ones' mean (as statistics.median).
    middle, total = session.execute(
        select(func.avg(ranked.c.seconds), func.max(ranked.c.total)).where(
            ranked.c.position.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
        )
    ).one()
    if not total:
        return None, 0
    return float(middle) / calendar.working_day_seconds, int(total)


def _upcoming(session: Session, scope: Scope, limit: int = 10) -> list[HotlineSession]:
    # The list shows each session's case, enterprise and host: load them with it, not one query per row.
    query = (
        select(HotlineSession)
        .join(R, HotlineSession.request_id == R.id)
        .options(
            joinedload(HotlineSession.request).joinedload(ServiceRequest.enterprise),
            joinedload(HotlineSession.director),
        )
        .where(
            scope.where(),
            HotlineSession.status == HotlineStatus.SCHEDULED,
            _in(HotlineSession.scheduled_at, scope.now, scope.now + timedelta(days=UPCOMING_DAYS)),
        )
        .order_by(HotlineSession.scheduled_at)
        .limit(limit)
    )
    return list(session.scalars(query))
