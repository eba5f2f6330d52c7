"""The supervision loop's rates (三率 and more) for each sub-station, each officer and the whole network, by month,
quarter or year: the one home of their definitions and of the SQL that counts them.

Each number is a *bucket*: a named test on a request's columns within the period of its date *axis* (received
by ``created_at``, closed by ``resolved_at``, visited by ``visited_at``, supervised by its order's issue). A
rate is one bucket over another. The counts are ``count(*) FILTER (WHERE …)`` grouped by unit, one grouped
count per axis (each reading its covering index, migration 0026) joined into one statement, and the list
behind a number (``requests_behind``) selects rows with the very same clauses, so a number and its list cannot
disagree. A unit's figures are about the requests it holds now: a station's are its requests', an officer's
those of the station assigned to him (the station's unassigned ones are the officer unit with no officer).

Public API (the ranking page, the dashboard and the monthly report use only these):

- ``Period.parse("2026-11" | "2026-Q4" | "2026")`` (raises ValidationError), ``Period.containing(moment, kind)``
  (service.rules.periods, here as ``rates.Period`` and ``rates.PeriodKind``),
  ``period.previous()``, ``.start`` / ``.end`` (aware, Asia/Shanghai, end exclusive), ``.first_day`` /
  ``.last_day``, ``str(period)`` gives back the text it parses from.
- ``BUCKETS``: name -> ``Bucket`` (axis, label, description); ``COUNTS``: the counted buckets shown beside the
  rates, in order.
- ``RATES``: the ``Rate`` definitions in display order (``key``, ``numerator``, ``denominator``, ``label``,
  ``formula``, ``higher_is_better``, ``per_officer``); ``RATE_BY_KEY``; ``DEFAULT_RANKING`` (on-time closure).
- ``UnitRates``: ``.unit``, ``.station``, ``.officer_name``, ``.count(bucket)``, ``.rate(key) -> float | None``,
  ``.reminders`` (reminders sent on the unit's requests received in the period).
- ``station_rates(session, actor, period) -> list[UnitRates]``: the stations in the actor's scope.
- ``officer_rates(session, actor, period, station_id) -> list[UnitRates]``: the station's officers.
- ``network_rates(session, actor, period) -> UnitRates`` (``network_of(rows, unit=None)`` sums rows already read:
  the network's, or a station's from its officers' rows); ``stations_in_scope(session, actor)``.
- ``Unit.network()``, ``Unit.station(id)``, ``Unit.officer(station_id, officer_id | None)``: whose requests.
- ``rank(rows, key) -> list[Ranked]``: ordered by a rate, with the best and the bottom few marked.
- ``requests_behind(actor, period, unit, bucket) -> Select[ServiceRequest]``: the list behind a number.

Labels and formulas are marked for translation (``N_``) and translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, true, union_all
from sqlalchemy.orm import QueryableAttribute, Session

from service.errors import N_, Forbidden, NotFound
from service.models import SATISFIED_LEVELS, ResultCategory, ServiceRequest, SupervisionOrder, User
from service.rules import policy, sla
from service.rules.periods import Period as Period
from service.rules.periods import PeriodKind as PeriodKind
from service.rules.policy import PolicyAction
from service.store import reference
from service.store.reference import StationInfo

R = ServiceRequest


class Axis(StrEnum):
    """Which date puts a request into a period, for a bucket."""

    RECEIVED = "received"  # its submission (created_at)
    CLOSED = "closed"  # its result (resolved_at: told to the enterprise, after review where a station reviews)
    VISITED = "visited"  # its last return visit (visited_at)
    SUPERVISED = "supervised"  # the issue of a supervision order on it


_AXIS_DATE = {Axis.RECEIVED: R.created_at, Axis.CLOSED: R.resolved_at, Axis.VISITED: R.visited_at}


def in_period(
    column: QueryableAttribute[datetime] | QueryableAttribute[datetime | None], period: Period
) -> ColumnElement[bool]:
    """The rows whose ``column`` time falls in ``period`` (its start included, its end not)."""
    return and_(column >= period.start, column < period.end)


def _axis_clause(axis: Axis, period: Period) -> ColumnElement[bool]:
    if axis == Axis.SUPERVISED:
        # The few orders of the period, found by their issue time; the requests then by their ids.
        return R.id.in_(
            select(SupervisionOrder.request_id).where(
                in_period(SupervisionOrder.created_at, period), SupervisionOrder.request_id.is_not(None)
            )
        )
    return in_period(_AXIS_DATE[axis], period)


# These predicates compare a request's columns with each other, never with the clock: any moment reads them.
_TIMELESS = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Bucket:
    name: str
    axis: Axis
    # What a request of the axis's period must also be to count (None: every one).
    test: ColumnElement[bool] | None
    label: str
    description: str

    def clause(self, period: Period) -> ColumnElement[bool]:
        within = _axis_clause(self.axis, period)
        return within if self.test is None else and_(within, self.test)


_DISPATCHED = R.dispatched_by_id.is_not(None)
BUCKETS: dict[str, Bucket] = {
    b.name: b
    for b in (
        Bucket("received", Axis.RECEIVED, None, N_("Received"), N_("requests submitted in the period")),
        Bucket(
            "responded",
            Axis.RECEIVED,
            or_(
                sla.SIGNED_FOR_ON_TIME.clause(_TIMELESS),
                sla.SIGNED_FOR_AT_ONCE.clause(_TIMELESS),
                sla.RESPONDED_ON_TIME.clause(_TIMELESS),
            ),
            N_("Responded in time"),
            N_(
                "of them, signed for within the sign-for time (or taken by the officer himself), "
                "or first answered within the first-response time"
            ),
        ),
        Bucket(
            "dispatched",
            Axis.RECEIVED,
            _DISPATCHED,
            N_("Dispatched"),
            N_("of them, assigned to an officer or transferred to a station at least once"),
        ),
        Bucket(
            "returned",
            Axis.RECEIVED,
            and_(_DISPATCHED, R.return_count > 0),
            N_("Returned"),
            N_("of them, returned at least once"),
        ),
        Bucket(
            "reminded",
            Axis.RECEIVED,
            R.reminder_count > 0,
            N_("Reminded"),
            N_("of them, reminded at least once (automatic or by a head)"),
        ),
        Bucket(
            "closed",
            Axis.CLOSED,
            None,
            N_("Closed with a result"),
            N_("requests whose result was given in the period (after review, where the station reviews results)"),
        ),
        Bucket(
            "closed_on_time",
            Axis.CLOSED,
            sla.RESOLVED_ON_TIME.clause(_TIMELESS),
            N_("Closed on time"),
            N_("of them, closed by the due date (an approved extension or a redo moves it)"),
        ),
        Bucket(
            "solved",
            Axis.CLOSED,
            R.result_category == ResultCategory.RESOLVED,
            N_("Closed as resolved"),
            N_("of them, with the result category 'resolved'"),
        ),
        Bucket(
            "redone",
            Axis.CLOSED,
            R.redo_count > 0,
            N_("Redone"),
            N_("of them, closed after a redo"),
        ),
        Bucket(
            "extended",
            Axis.CLOSED,
            R.extension_count > 0,
            N_("Extended"),
            N_("of them, closed after at least one approved extension"),
        ),
        Bucket("visited", Axis.VISITED, None, N_("Visited"), N_("requests whose return visit was in the period")),
        Bucket(
            "satisfied",
            Axis.VISITED,
            R.satisfaction.in_(SATISFIED_LEVELS),
            N_("Satisfied"),
            N_("of them, very satisfied, satisfied or basically satisfied"),
        ),
        Bucket(
            "supervised",
            Axis.SUPERVISED,
            None,
            N_("Supervised"),
            N_("requests with a supervision order issued in the period"),
        ),
    )
}
# The counts shown beside the rates, in order.
COUNTS = ("received", "dispatched", "closed", "visited", "reminded", "supervised")


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: str
    denominator: str
    label: str
    formula: str
    # Ranked from the highest (response, on-time, resolution, satisfaction) or from the lowest (the others).
    higher_is_better: bool = True
    # Whether an officer's figure means something: a returned request leaves its officer, so the return
    # rate is a station's.
    per_officer: bool = True


RATES: tuple[Rate, ...] = (
    Rate(
        "response",
        "responded",
        "received",
        N_("Response rate"),
        N_("requests signed for or first answered in time ÷ requests received"),
    ),
    Rate(
        "on_time",
        "closed_on_time",
        "closed",
        N_("On-time closure rate"),
        N_("requests closed by their due date (as extensions moved it) ÷ requests closed"),
    ),
    Rate(
        "resolution",
        "solved",
        "closed",
        N_("Resolution rate"),
        N_("requests closed as resolved ÷ requests closed"),
    ),
    Rate(
        "satisfaction",
        "satisfied",
        "visited",
        N_("Satisfaction rate"),
        N_("(very satisfied + satisfied + basically satisfied) ÷ requests visited"),
    ),
    Rate(
        "return",
        "returned",
        "dispatched",
        N_("Return rate"),
        N_("requests returned ÷ requests dispatched"),
        higher_is_better=False,
        per_officer=False,
    ),
    Rate(
        "redo",
        "redone",
        "closed",
        N_("Redo rate"),
        N_("requests closed after a redo ÷ requests closed"),
        higher_is_better=False,
    ),
    Rate(
        "extension",
        "extended",
        "closed",
        N_("Extension rate"),
        N_("requests closed after an approved extension ÷ requests closed"),
        higher_is_better=False,
    ),
)
RATE_BY_KEY = {r.key: r for r in RATES}
# The ranking's default order: closing by the promised date is what the province holds its stations to.
DEFAULT_RANKING = "on_time"


class UnitKind(StrEnum):
    NETWORK = "network"
    STATION = "station"
    OFFICER = "officer"


@dataclass(frozen=True)
class Unit:
    """Whose requests: the network's (in the reader's scope), a station's, or a station's requests assigned to one
    officer (``officer_id`` None: the station's unassigned requests)."""

    kind: UnitKind
    station_id: int | None = None
    officer_id: int | None = None

    @classmethod
    def network(cls) -> Unit:
        return cls(UnitKind.NETWORK)

    @classmethod
    def station(cls, station_id: int) -> Unit:
        return cls(UnitKind.STATION, station_id)

    @classmethod
    def officer(cls, station_id: int, officer_id: int | None) -> Unit:
        return cls(UnitKind.OFFICER, station_id, officer_id)

    def clause(self) -> ColumnElement[bool]:
        if self.kind == UnitKind.NETWORK:
            return true()
        at_station = R.station_id == self.station_id
        if self.kind == UnitKind.STATION:
            return at_station
        held = R.assignee_id.is_(None) if self.officer_id is None else R.assignee_id == self.officer_id
        return and_(at_station, held)


@dataclass(frozen=True)
class UnitRates:
    unit: Unit
    counts: Mapping[str, int]
    # Reminders (催办) sent, automatic and by hand, on the unit's requests received in the period.
    reminders: int = 0
    station: StationInfo | None = None
    officer_name: str | None = None

    def count(self, bucket: str) -> int:
        return self.counts.get(bucket, 0)

    def rate(self, key: str) -> float | None:
        """The rate as a share (0–1); None when its denominator is zero."""
        definition = RATE_BY_KEY[key]
        whole = self.count(definition.denominator)
        return self.count(definition.numerator) / whole if whole else None


def _axis_counts(axis: Axis) -> list[Any]:
    """Every bucket's column for a statement over ``axis``'s period: its own counted, the other axes' zero."""

    def counted(bucket: Bucket) -> Any:
        if bucket.axis != axis:
            return literal(0)
        return func.count() if bucket.test is None else func.count().filter(bucket.test)

    reminders = func.sum(R.reminder_count) if axis == Axis.RECEIVED else literal(0)
    return [*(counted(b).label(b.name) for b in BUCKETS.values()), reminders.label("reminders")]


def _grouped(
    session: Session, actor: User, period: Period, where: ColumnElement[bool], by: QueryableAttribute[Any]
) -> dict[Any, dict[str, int]]:
    """Every bucket per value of ``by``, in one statement: a grouped count per axis, each reading its own index
    range only, joined by UNION ALL (a value's row of each axis carries zeros for the other axes' buckets)."""
    parts = [
        select(by.label("unit_key"), *_axis_counts(axis))
        .where(policy.visible_requests(actor), where, _axis_clause(axis, period))
        .group_by(by)
        for axis in Axis
    ]
    found: dict[Any, dict[str, int]] = {}
    for row in session.execute(union_all(*parts)):
        values = row._asdict()
        tallies = found.setdefault(values.pop("unit_key"), dict.fromkeys(values, 0))
        for name, value in values.items():
            tallies[name] += int(value or 0)
    return found


def _unit_rates(unit: Unit, tallies: Mapping[str, int], **names: Any) -> UnitRates:
    counts = {name: tallies.get(name, 0) for name in BUCKETS}
    return UnitRates(unit, counts, tallies.get("reminders", 0), **names)


def _check(actor: User) -> None:
    if not policy.may(actor, PolicyAction.RATES_VIEW):
        raise Forbidden()


def stations_in_scope(session: Session, actor: User) -> list[StationInfo]:
    """The stations whose rates ``actor`` sees: every one for the province's readers, else their own."""
    every = reference.stations(session)
    if policy.sees_every_station(actor):
        return list(every)
    return [s for s in every if s.id == actor.station_id]


def station_rates(session: Session, actor: User, period: Period) -> list[UnitRates]:
    """Each station in scope (the hub first; an inactive one only when it has figures). Raises Forbidden."""
    _check(actor)
    stations = stations_in_scope(session, actor)
    if not stations:
        return []
    found = _grouped(session, actor, period, R.station_id.in_([s.id for s in stations]), R.station_id)
    return [
        _unit_rates(Unit.station(s.id), found.get(s.id, {}), station=s) for s in stations if s.active or s.id in found
    ]


def network_of(rows: Sequence[UnitRates], unit: Unit | None = None) -> UnitRates:
    """The network's figures: the sum of its stations' (each request belongs to one station); or ``unit``'s, the
    sum of its parts (a station's: its officers' and its unassigned requests')."""
    totals = {name: sum(row.count(name) for row in rows) for name in BUCKETS}
    return UnitRates(unit or Unit.network(), totals, sum(row.reminders for row in rows))


def network_rates(session: Session, actor: User, period: Period) -> UnitRates:
    """The whole network in the actor's scope (a sub-station head's: his station). Raises Forbidden."""
    return network_of(station_rates(session, actor, period))


def officer_rates(session: Session, actor: User, period: Period, station_id: int) -> list[UnitRates]:
    """The station's officers: its active desk members and whoever holds one of its requests, by name, and its
    unassigned requests last when it has any. Raises Forbidden, NotFound (a station outside the actor's scope)."""
    _check(actor)
    if station_id not in {s.id for s in stations_in_scope(session, actor)}:
        raise NotFound()
    found = _grouped(session, actor, period, R.station_id == station_id, R.assignee_id)
    holders = [key for key in found if key is not None]
    people = session.execute(
        select(User.id, User.name)
        .where(or_(and_(User.station_id == station_id, policy.desk_members()), User.id.in_(holders)))
        .order_by(User.name, User.id)
    ).all()
    rows = [
        _unit_rates(Unit.officer(station_id, person_id), found.get(person_id, {}), officer_name=name)
        for person_id, name in people
    ]
    if None in found:
        rows.append(_unit_rates(Unit.officer(station_id, None), found[None]))
    return rows


@dataclass(frozen=True)
class Ranked:
    rates: UnitRates
    # 1 for the best; units with the same rate share a place; None: no figure to rank by.
    place: int | None
    best: bool = False
    bottom: bool = False


# At most this many units are marked as the bottom of a ranking; a third of the ranked ones at most.
BOTTOM_FEW = 3


def rank(rows: Sequence[UnitRates], key: str) -> list[Ranked]:
    """``rows`` in the order of the rate ``key`` (best first), then those without a figure. The best place is
    marked when two or more units are ranked, and the bottom few (a third, at most ``BOTTOM_FEW``) when not also
    the best. Ties share a place (1, 1, 3) and are ordered by the rate's denominator, larger first."""
    definition = RATE_BY_KEY[key]
    sign = -1 if definition.higher_is_better else 1
    scored = sorted(
        ((rate, row) for row in rows if (rate := row.rate(key)) is not None),
        key=lambda pair: (sign * pair[0], -pair[1].count(definition.denominator)),
    )
    places: list[int] = []
    for n, (rate, _) in enumerate(scored):
        places.append(places[-1] if n and rate == scored[n - 1][0] else n + 1)
    bottom_count = min(BOTTOM_FEW, len(scored) // 3)
    bottom_from = places[len(scored) - bottom_count] if bottom_count else None
    ranked = [
        Ranked(
            row,
            place,
            best=place == 1 and len(scored) > 1,
            bottom=bottom_from is not None and place >= bottom_from and place != 1,
        )
        for (_, row), place in zip(scored, places, strict=True)
    ]
    return ranked + [Ranked(row, None) for row in rows if row.rate(key) is None]


def requests_behind(actor: User, period: Period, unit: Unit, bucket: str) -> Select[ServiceRequest]:
    """The requests behind ``unit``'s number ``bucket`` (a name of BUCKETS), newest first, in the actor's scope."""
    return (
        select(R)
        .where(policy.visible_requests(actor), unit.clause(), BUCKETS[bucket].clause(period))
        .order_by(R.id.desc())
    )
