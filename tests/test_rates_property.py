"""The rates, proved against the timeline: random sequences of real operations (submit, triage and assign,
transfer, sign for, return, extension asked and decided, reminders by hand and by the sweep, replies, results
with a category, review, return visits, the enterprise's confirmation, redos, supervision orders) on a handful
of requests at random times; then every bucket is worked out again in plain Python from the requests' Event
rows alone (their kinds, times and data) and compared with the SQL of service.queries.rates for each station,
each officer and the whole network, over every month, quarter and the year the requests lived in.

Each example runs in a year of its own, so that the examples sharing the test's transaction never meet in a
period.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import DomainError
from service.models import (
    Category,
    Event,
    EventKind,
    LifecycleStage,
    Priority,
    ResultCategory,
    ReturnReason,
    Role,
    Satisfaction,
    ServiceRequest,
    Status,
    User,
)
from service.operations import requests as ops
from service.operations.reminders import remind_request, sweep_reminders
from service.operations.sla import in_batches
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension, return_request, sign_for
from service.operations.supervision_orders import OrderDraft, issue_order
from service.operations.visits import VisitInput, record_visit
from service.queries import rates
from service.queries.rates import BUCKETS, Period, PeriodKind
from service.rules.extensions import ExtensionAction
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import draft, review_results

pytestmark = pytest.mark.slow  # Hypothesis runs many whole request histories

LOCAL = ZoneInfo("Asia/Shanghai")
YEARS = itertools.count(2031)
REQUESTS = 3
# The operations, each as often as a request's life needs it (a result waits for a triage, a visit for a result).
OPERATIONS = (
    *["submit"] * 2,
    *["triage"] * 4,
    *["assign"] * 2,
    "transfer",
    *["sign_for"] * 4,
    "return",
    *["ask_extension"] * 2,
    *["decide_extension"] * 2,
    "remind",
    "sweep",
    *["reply"] * 2,
    "ask_info",
    "enterprise_answers",
    *["resolve"] * 4,
    *["approve_result"] * 2,
    "send_back_result",
    *["visit"] * 3,
    *["confirm"] * 2,
    *["redo"] * 2,
    "supervise",
)
# An operation, which request, how many hours after the one before, and a number that picks among its choices.
STEP = st.tuples(st.sampled_from(OPERATIONS), st.integers(0, REQUESTS - 1), st.floats(0.2, 40.0), st.integers(0, 11))


@dataclass
class Cast:
    """Who works each station's requests, and the enterprises that submit to each."""

    people: People
    tonghua_contact: User

    def station_of(self, request: ServiceRequest) -> str:
        return "ccnd" if request.station_id == self.people.staff.station_id else "th"

    def desk(self, request: ServiceRequest) -> list[User]:
        p = self.people
        return (
            [p.staff, p.staff2, p.director] if self.station_of(request) == "ccnd" else [p.other_staff, p.other_director]
        )

    def head(self, request: ServiceRequest) -> User:
        return self.people.director if self.station_of(request) == "ccnd" else self.people.other_director

    def contact(self, request: ServiceRequest) -> User:
        return self.people.owner if request.enterprise_id == self.people.enterprise.id else self.tonghua_contact


@dataclass
class History:
    """One example: its requests made through the operations, at the times it chose."""

    session: Session
    cast: Cast
    settings: DeskSettings
    now: datetime
    ids: list[int] = field(default_factory=list)

    def request(self, index: int, operation: str) -> ServiceRequest | None:
        """The ``index``-th of the requests the operation suits now (of all, when none does): the steps stay
        random, but most of them take a request somewhere."""
        every = [self.session.get(ServiceRequest, request_id) for request_id in self.ids]
        suits = SUITS.get(operation, lambda _r: True)
        chosen = [r for r in every if r is not None and suits(r)] or [r for r in every if r is not None]
        return chosen[index % len(chosen)] if chosen else None

    def run(self, operation: str, index: int, hours: float, choice: int) -> None:
        self.now += timedelta(hours=hours)
        if operation == "submit":
            if len(self.ids) < REQUESTS:
                who = self.cast.people.owner if choice % 3 else self.cast.tonghua_contact
                made = ops.submit_request(self.session, who, draft(), settings=self.settings, now=self.now)
                self.ids.append(made.id)
            return
        if operation == "sweep":
            sweep_reminders(self.session, self.now, in_batches)
            return
        request = self.request(index, operation)
        if request is None:
            return
        with contextlib.suppress(DomainError):  # a step the state or the actor's role does not allow changes nothing
            STEPS[operation](self, request, choice)

    def local_day(self, days: int) -> date:
        return (self.now.astimezone(LOCAL) + timedelta(days=days)).date()


Step = Callable[[History, ServiceRequest, int], Any]


def _officer(h: History, r: ServiceRequest, choice: int) -> User:
    """The assignee when there is one, else someone of the station's desk (after a transfer, its desk signs)."""
    if r.assignee_id is not None and choice % 4:
        found = h.session.get(User, r.assignee_id)
        assert found is not None
        return found
    desk = h.cast.desk(r)
    return desk[choice % len(desk)]


def _triage(h: History, r: ServiceRequest, c: int) -> object:
    desk = h.cast.desk(r)
    actor, assignee = desk[c % len(desk)], [*desk, None][c % (len(desk) + 1)]
    return ops.triage_request(
        h.session,
        actor,
        r.id,
        r.version,
        category=Category.CLINICAL_EVALUATION,
        priority=list(Priority)[c % 4],
        lifecycle_stage=LifecycleStage.RESEARCH,
        assignee_id=assignee.id if assignee else None,
        settings=h.settings,
        now=h.now,
    )


def _assign(h: History, r: ServiceRequest, c: int) -> object:
    desk = h.cast.desk(r)
    # The head assigns; choosing himself, he takes it (signed for at once).
    assignee = [*desk, None][c % (len(desk) + 1)]
    return ops.assign_request(
        h.session, h.cast.head(r), r.id, r.version, assignee.id if assignee else None, settings=h.settings, now=h.now
    )


def _transfer(h: History, r: ServiceRequest, c: int) -> object:
    other = h.cast.people.other_staff.station_id if h.cast.station_of(r) == "ccnd" else h.cast.people.staff.station_id
    assert other is not None
    return ops.transfer_request(
        h.session, h.cast.desk(r)[c % 2], r.id, r.version, other, "转办", settings=h.settings, now=h.now
    )


def _ask_extension(h: History, r: ServiceRequest, c: int) -> object:
    due = max(h.now, r.resolution_due_at or h.now)
    ask = ExtensionAsk((due.astimezone(LOCAL) + timedelta(days=1 + c)).date(), "需要补充检验报告")
    return ask_extension(h.session, _officer(h, r, 1), r.id, r.version, ask, settings=h.settings, now=h.now)


def _decide_extension(h: History, r: ServiceRequest, c: int) -> object:
    actor = h.cast.people.hub_director if c % 3 == 0 else h.cast.head(r)
    action = ExtensionAction.REFUSE if c > 8 else ExtensionAction.APPROVE
    return decide_extension(h.session, actor, r.id, r.version, action, "意见", settings=h.settings, now=h.now)


def _resolve(h: History, r: ServiceRequest, c: int) -> object:
    category = list(ResultCategory)[c % 3]
    return ops.take_action(
        h.session,
        _officer(h, r, c),
        r.id,
        r.version,
        Action.RESOLVE,
        summary="已答复",
        result_category=category,
        result_basis="" if category == ResultCategory.RESOLVED else "依据相关规定",
        confirmed=True,
        settings=h.settings,
        now=h.now,
    )


def _step(action: Action, **inputs: object) -> Step:
    def take(h: History, r: ServiceRequest, c: int) -> object:
        actor = h.cast.contact(r) if action == Action.CONFIRM else h.cast.head(r)
        extra = {"rating": 1 + c % 5} if action == Action.CONFIRM else {}
        return ops.take_action(
            h.session, actor, r.id, r.version, action, settings=h.settings, now=h.now, **inputs, **extra
        )  # type: ignore[arg-type]

    return take


def _visit(h: History, r: ServiceRequest, c: int) -> object:
    visitor = next(u for u in [*h.cast.desk(r)][::-1] if u.id != r.assignee_id)
    visit = VisitInput(list(Satisfaction)[c % 5], c % 3 != 0, "回访")
    return record_visit(h.session, visitor, r.id, r.version, visit, settings=h.settings, now=h.now)


def _redo(h: History, r: ServiceRequest, c: int) -> object:
    desk = h.cast.desk(r)
    assignee = desk[c % len(desk)].id if c % 2 else None
    return ops.redo_request(
        h.session,
        h.cast.head(r),
        r.id,
        r.version,
        h.local_day(2 + c),
        "重新办理",
        assignee_id=assignee,
        settings=h.settings,
        now=h.now,
    )


WORKING = {Status.TRIAGED, Status.EARLY_INTERVENTION, Status.GUIDANCE}
RESULTS = {Status.RESOLVED, Status.CLOSED}
SUITS: dict[str, Callable[[ServiceRequest], bool]] = {
    "triage": lambda r: r.status == Status.SUBMITTED,
    "sign_for": lambda r: r.sign_for_due_at is not None and r.signed_for_at is None,
    "return": lambda r: r.sign_for_due_at is not None and r.signed_for_at is None,
    "ask_extension": lambda r: r.assignee_id is not None and r.signed_for_at is not None and r.status in WORKING,
    "decide_extension": lambda r: r.extension_pending,
    "resolve": lambda r: r.status in WORKING,
    "ask_info": lambda r: r.status in WORKING,
    "enterprise_answers": lambda r: r.status in {Status.WAITING_ENTERPRISE, *RESULTS},
    "approve_result": lambda r: r.status == Status.REVIEW,
    "send_back_result": lambda r: r.status == Status.REVIEW,
    "visit": lambda r: r.status in RESULTS and r.visited_at is None,
    "confirm": lambda r: r.status == Status.RESOLVED,
    "redo": lambda r: r.visited_at is not None,
}
STEPS: dict[str, Step] = {
    "triage": _triage,
    "assign": _assign,
    "transfer": _transfer,
    "sign_for": lambda h, r, c: sign_for(h.session, _officer(h, r, 1), r.id, r.version, now=h.now),
    "return": lambda h, r, c: return_request(
        h.session, _officer(h, r, 1), r.id, r.version, ReturnReason.NOT_MY_REMIT, "", now=h.now
    ),
    "ask_extension": _ask_extension,
    "decide_extension": _decide_extension,
    "remind": lambda h, r, c: remind_request(h.session, h.cast.head(r), r.id, r.version, "请加快办理", now=h.now),
    "reply": lambda h, r, c: ops.add_message(
        h.session, _officer(h, r, c), r.id, "已收到，正在办理。", settings=h.settings, now=h.now
    ),
    "ask_info": lambda h, r, c: ops.take_action(
        h.session,
        _officer(h, r, c),
        r.id,
        r.version,
        Action.REQUEST_INFO,
        message="请补充资料",
        settings=h.settings,
        now=h.now,
    ),
    "enterprise_answers": lambda h, r, c: ops.add_message(
        h.session, h.cast.contact(r), r.id, "已补充", settings=h.settings, now=h.now
    ),
    "resolve": _resolve,
    "approve_result": _step(Action.APPROVE_CLOSURE),
    "send_back_result": _step(Action.SEND_BACK_CLOSURE, reason="请补充办理依据"),
    "visit": _visit,
    "confirm": _step(Action.CONFIRM),
    "redo": _redo,
    "supervise": lambda h, r, c: issue_order(
        h.session,
        h.cast.head(r),
        OrderDraft("督办事项", "按期报送落实情况", h.now + timedelta(days=5)),
        request_id=r.id,
        now=h.now,
    ),
}


# -- the timeline, read back in plain Python -----------------------------------------------------------------------

LEFT_RESULT = {"resolved", "closed"}
SATISFIED = {"very_satisfied", "satisfied", "basically_satisfied"}


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass
class Replayed:
    """What a request's events say of it, step by step."""

    station: int = 0
    assignee: int | None = None
    created_at: datetime | None = None
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_responded: datetime | None = None
    dispatched: bool = False
    # The sign-for of its last dispatch: None (none running), "awaiting", "on_time", "late", "at_once".
    signing: str | None = None
    returns: int = 0
    reminders: int = 0
    redos: int = 0
    extensions: int = 0
    resolved_at: datetime | None = None
    result: str | None = None
    visited_at: datetime | None = None
    satisfaction: str | None = None
    orders: list[datetime] = field(default_factory=list)

    def due_times(self, data: dict[str, Any]) -> None:
        if "resolution_due_at" in data:
            self.first_response_due = _when(data["first_response_due_at"])
            self.resolution_due = _when(data["resolution_due_at"])

    def read(self, event: Event, roles: dict[int, Role]) -> None:
        data, at, kind = event.data or {}, event.created_at, event.kind
        if kind == EventKind.CREATED:
            self.created_at, self.station = at, data["station_id"]
            self.due_times(data)
        elif kind == EventKind.TRIAGED:
            self.due_times(data)
        elif kind == EventKind.STATUS_CHANGED:
            self._moved(data, at)
        elif kind == EventKind.ASSIGNED:
            self.assignee, self.dispatched = data["assignee"], True
            if self.assignee is None:
                self.signing = None
            else:
                self.signing = "at_once" if self.assignee == event.actor_id else "awaiting"
        elif kind == EventKind.TRANSFERRED:
            self.station, self.assignee, self.dispatched, self.signing = data["to_station"], None, True, "awaiting"
        elif kind == EventKind.SIGNED_FOR:
            self.signing = "late" if data["late"] else "on_time"
        elif kind == EventKind.RETURNED:
            self.station, self.assignee, self.signing = data["to_station"], None, None
            self.returns += 1
        elif kind == EventKind.EXTENSION_APPROVED:
            self.resolution_due = _when(data["new_due_at"])
            self.extensions += 1
        elif kind == EventKind.REMINDED:
            self.reminders += 1
        elif kind == EventKind.VISITED:
            self.visited_at, self.satisfaction = at, data["satisfaction"]
        elif kind == EventKind.REPLY:
            desk = event.actor_id is not None and roles[event.actor_id] != Role.ENTERPRISE
            if event.public and desk and self.first_responded is None:
                self.first_responded = at
        elif kind == EventKind.SUPERVISION_ISSUED:
            self.orders.append(at)

    def _moved(self, data: dict[str, Any], at: datetime) -> None:
        source, target, action = data["from"], data["to"], data["action"]
        if action == "resolve":
            self.result = data.get("result_category")
        if target == "resolved":
            self.resolved_at = at
        elif target == "closed":
            pass
        elif source in LEFT_RESULT:
            self.resolved_at = self.visited_at = self.satisfaction = None
        elif source == "review":
            self.result = None
        if action == "redo":
            self.redos += 1
            self.resolution_due = _when(data["new_due_at"])
        if source == "waiting_enterprise":
            self.due_times(data)

    def buckets(self, period: Period) -> set[str]:
        def within(moment: datetime | None) -> bool:
            return moment is not None and period.start <= moment < period.end

        found = set()
        if within(self.created_at):
            found.add("received")
            answered = (
                self.first_responded is not None
                and self.first_response_due is not None
                and self.first_responded <= self.first_response_due
            )
            if self.signing in ("on_time", "at_once") or answered:
                found.add("responded")
            if self.dispatched:
                found.add("dispatched")
                if self.returns:
                    found.add("returned")
            if self.reminders:
                found.add("reminded")
        if within(self.resolved_at):
            found.add("closed")
            assert self.resolved_at is not None
            if self.resolution_due is not None and self.resolved_at <= self.resolution_due:
                found.add("closed_on_time")
            found |= {
                name
                for name, holds in (
                    ("solved", self.result == "resolved"),
                    ("redone", self.redos > 0),
                    ("extended", self.extensions > 0),
                )
                if holds
            }
        if within(self.visited_at):
            found.add("visited")
            if self.satisfaction in SATISFIED:
                found.add("satisfied")
        if any(within(moment) for moment in self.orders):
            found.add("supervised")
        return found


def _replay(session: Session, ids: list[int]) -> dict[int, Replayed]:
    roles: dict[int, Role] = dict(session.execute(select(User.id, User.role)).all())
    found = {request_id: Replayed() for request_id in ids}
    events = session.scalars(select(Event).where(Event.request_id.in_(ids)).order_by(Event.id))
    for event in events:
        assert event.request_id is not None
        found[event.request_id].read(event, roles)
    return found


def _tally(
    replayed: dict[int, Replayed], period: Period, key: Callable[[Replayed], object]
) -> dict[object, Counter[str]]:
    totals: dict[object, Counter[str]] = defaultdict(Counter)
    for request in replayed.values():
        unit = totals[key(request)]
        got = request.buckets(period)
        unit.update(got)
        if "received" in got:
            unit["reminders"] += request.reminders
    return {unit: counts for unit, counts in totals.items() if +counts}


def _sql(row: rates.UnitRates) -> Counter[str]:
    counts = Counter({name: row.count(name) for name in BUCKETS})
    counts["reminders"] = row.reminders
    return +counts


def _periods(first: datetime, last: datetime) -> list[Period]:
    months = {Period.containing(first + timedelta(days=d)) for d in range((last - first).days + 1)}
    quarters = {
        Period.containing(first + timedelta(days=d), PeriodKind.QUARTER) for d in range((last - first).days + 1)
    }
    return sorted(
        months | quarters | {Period.containing(first, PeriodKind.YEAR), Period.containing(last, PeriodKind.YEAR)}
    )


@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    steps=st.lists(STEP, min_size=25, max_size=90),
    start_day=st.integers(0, 75),
    review=st.booleans(),
)
def test_every_rate_is_what_the_timeline_says(
    session: Session,
    people: People,
    settings: DeskSettings,
    steps: list[tuple[str, int, float, int]],
    start_day: int,
    review: bool,
) -> None:
    year = next(YEARS)
    review_results(session, people.staff.station_id or 0, review)
    cast = Cast(people, factories.user(session, Role.ENTERPRISE, "JL-TH"))
    started = datetime(year, 1, 1, 1, 30, tzinfo=UTC) + timedelta(days=start_day)
    history = History(session, cast, settings, started, [])
    history.run("submit", 0, 0, 1)
    for step in steps:
        history.run(*step)
    session.expire_all()
    replayed = _replay(session, history.ids)
    ccnd, tonghua = people.staff.station_id, people.other_staff.station_id
    for period in _periods(started, history.now):
        stations = rates.station_rates(session, people.hub_director, period)
        assert {row.unit.station_id: _sql(row) for row in stations if _sql(row)} == _tally(
            replayed, period, lambda r: r.station
        ), period
        assert _sql(rates.network_of(stations)) == sum(_tally(replayed, period, lambda r: 0).values(), Counter()), (
            period
        )
        for station in (ccnd, tonghua):
            assert station is not None
            officers = rates.officer_rates(session, people.hub_director, period, station)
            expected = _tally(
                replayed, period, lambda r, s=station: (r.station, r.assignee) if r.station == s else None
            )
            expected.pop(None, None)
            assert {(station, row.unit.officer_id): _sql(row) for row in officers if _sql(row)} == expected, (
                period,
                station,
            )
