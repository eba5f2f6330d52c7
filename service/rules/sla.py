"""The SLA's predicates ("overdue for a first response", "responded on time" ...), each written once.

A predicate is a list of tests on a record's columns (a request's, or a plan milestone's); ``clause(now)``
reads it as SQL (queues, the director's counts, the sweep) and ``holds(record, now)`` in Python (a page's
badge), so a queue and the badge of a row in it cannot disagree. A test against a missing value (NULL)
fails in both, as in SQL.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from service.models import OPEN_STATUSES, RUNNING_STATUSES, Milestone, MilestoneStatus, ServiceRequest, Status
from service.rules.sla_calendar import WorkingCalendar

NOW = "now"


@dataclass(frozen=True)
class Column:
    """The value of another column of the same request."""

    name: str


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_PRESENCE = {"is None": True, "is not None": False}


@dataclass(frozen=True)
class Test:
    column: str
    op: str  # "<", "<=", ">", ">=", "==", "!=", "is None", "is not None"
    value: Any = None  # NOW, a Column, a constant, or None for "is None"

    def _operand(self, source: Any, now: datetime | date) -> Any:
        if self.value is NOW:
            return now
        if isinstance(self.value, Column):
            return getattr(source, self.value.name)
        return self.value

    def clause(self, now: datetime | date, model: type = ServiceRequest) -> ColumnElement[bool]:
        column: ColumnElement[Any] = getattr(model, self.column)
        if self.op in _PRESENCE:
            return column.is_(None) if _PRESENCE[self.op] else column.is_not(None)
        compared: ColumnElement[bool] = _COMPARE[self.op](column, self._operand(model, now))
        return compared

    def holds(self, record: Any, now: datetime | date) -> bool:
        value = getattr(record, self.column)
        if self.op in _PRESENCE:
            return (value is None) == _PRESENCE[self.op]
        other = self._operand(record, now)
        return value is not None and other is not None and bool(_COMPARE[self.op](value, other))


@dataclass(frozen=True)
class Predicate:
    """All ``tests`` hold and, when given, the status is one of ``statuses``."""

    tests: tuple[Test, ...]
    statuses: frozenset[Status] | None = None
    # Whose columns the tests read.
    model: type = ServiceRequest

    def clock_clause(self, now: datetime | date) -> ColumnElement[bool]:
        """The tests without the status (for counts that sort cases by status once, in Python)."""
        return and_(true(), *(test.clause(now, self.model) for test in self.tests))

    def clause(self, now: datetime | date) -> ColumnElement[bool]:
        if self.statuses is None:
            return self.clock_clause(now)
        return and_(ServiceRequest.status.in_(self.statuses), *(test.clause(now, self.model) for test in self.tests))

    def holds(self, record: Any, now: datetime | date) -> bool:
        return (self.statuses is None or record.status in self.statuses) and all(
            test.holds(record, now) for test in self.tests
        )


@dataclass(frozen=True)
class AnyOf:
    """One of ``predicates`` holds. They share their statuses, tested once around the alternatives
    (which the status index answers once)."""

    statuses: frozenset[Status]
    predicates: tuple[Predicate, ...]

    def clause(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            ServiceRequest.status.in_(self.statuses),
            or_(*(predicate.clock_clause(now) for predicate in self.predicates)),
        )

    def holds(self, request: ServiceRequest, now: datetime) -> bool:
        return request.status in self.statuses and any(predicate.holds(request, now) for predicate in self.predicates)


RUNNING = frozenset(RUNNING_STATUSES)
# The clock runs, no first response yet, and its due time has passed.
FIRST_RESPONSE_OVERDUE = Predicate(
    (Test("first_responded_at", "is None"), Test("first_response_due_at", "<", NOW)), RUNNING
)
RESOLUTION_OVERDUE = Predicate((Test("resolution_due_at", "<", NOW),), RUNNING)
# The desk's "overdue" queue and the badge: either due time has passed while the clock runs.
OVERDUE = AnyOf(RUNNING, (FIRST_RESPONSE_OVERDUE, RESOLUTION_OVERDUE))
RESPONDED_ON_TIME = Predicate((Test("first_responded_at", "<=", Column("first_response_due_at")),))
RESPONDED_LATE = Predicate((Test("first_responded_at", ">", Column("first_response_due_at")),))
# Signed for (签收) within the sign-for clock of its last dispatch ...
SIGNED_FOR_ON_TIME = Predicate((Test("signed_for_at", "<=", Column("sign_for_due_at")),))
# ... or at the dispatch itself: an officer who takes a request signs for it at once, with no clock.
SIGNED_FOR_AT_ONCE = Predicate((Test("signed_for_at", "is not None"), Test("sign_for_due_at", "is None")))
# The result (办结) came by its resolution due time, as extensions and redos last moved it.
RESOLVED_ON_TIME = Predicate((Test("resolved_at", "<=", Column("resolution_due_at")),))
# A plan's milestone not done by its due date (read with today's date as ``now``).
MILESTONE_OVERDUE = Predicate((Test("status", "!=", MilestoneStatus.DONE), Test("due_date", "<", NOW)), model=Milestone)
# Dispatched (assigned or transferred) and neither signed for nor returned yet: the sign-for clock runs.
AWAITING_SIGN_FOR = Predicate(
    (Test("signed_for_at", "is None"), Test("sign_for_due_at", "is not None")), frozenset(OPEN_STATUSES)
)
# ... and its time has passed (the queue of late sign-fors, the badge).
SIGN_FOR_OVERDUE = Predicate(
    (Test("signed_for_at", "is None"), Test("sign_for_due_at", "<", NOW)), frozenset(OPEN_STATUSES)
)
# The sweep's automatic reminders (催办, see rules/reminders.py): a clock's next reminder has come, while it runs.
SIGN_FOR_REMINDER_DUE = Predicate(
    (Test("signed_for_at", "is None"), Test("sign_for_remind_at", "<=", NOW)), frozenset(OPEN_STATUSES)
)
RESOLUTION_REMINDER_DUE = Predicate((Test("resolution_remind_at", "<=", NOW),), RUNNING)


def due_times_data(first_response_due_at: datetime | None, resolution_due_at: datetime | None) -> dict[str, str | None]:
    """The due times as an event records them where a step sets them (submission, triage, the enterprise's
    answer), so that a request's timeline alone tells when it was due (the rates' proof reads it)."""
    return {
        "first_response_due_at": first_response_due_at.isoformat() if first_response_due_at else None,
        "resolution_due_at": resolution_due_at.isoformat() if resolution_due_at else None,
    }


def one_working_day_on(calendar: WorkingCalendar, now: datetime) -> datetime:
    """The latest moment with at most one working day left from ``now``: a due time up to it is due "within a
    working day" (the desk's "due" queue, a supervision order's blue tier). One working day on is a span's close
    when it falls there; every moment up to the next span's start has the same working time left."""
    return calendar.next_working_moment(calendar.add_working_time(now, calendar.working_day_seconds))
