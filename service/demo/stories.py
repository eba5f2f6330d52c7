"""The life story of each generated request, as rows: the request, its messages, events, hotline and instruction.

Stories follow the lifecycle table (submitted -> triaged -> early intervention
-> guidance -> resolved -> closed, with waiting, declines and withdrawals), and
their event data has the shape the operations write, so generated requests
read on every page like real ones. Rows are tuples in the column order of
``COLUMNS``, ready for the database: timestamps already written as the
dialect stores them, JSON as text. Hot paths avoid enum lookups and json.dumps
(a million requests make ten million rows).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from service.demo import texts
from service.demo.seed import SLA_DEFAULTS
from service.infrastructure.search_index import Document, scope_terms, tsvector_literal
from service.models import (
    UNSATISFIED_LEVELS,
    Category,
    Channel,
    EventKind,
    ExtensionStatus,
    HotlineStatus,
    LifecycleStage,
    Priority,
    ProductField,
    ReminderClock,
    ResultCategory,
    Satisfaction,
    SupervisionStatus,
    VisitChannel,
)
from service.models import Status as S
from service.rules.reference_numbers import format_reference, reference_year
from service.rules.reminders import Stage
from service.rules.visits import RATING_LEVELS

COLUMNS = {
    "requests": (
        "id",
        "reference",
        "year",
        "sequence",
        "enterprise_id",
        "submitter_id",
        "channel",
        "title",
        "description",
        "category",
        "product_name",
        "device_class",
        "product_type",
        "product_field",
        "innovative",
        "lifecycle_stage",
        "urgent",
        "priority",
        "status",
        "resume_status",
        "station_id",
        "assignee_id",
        "plan_id",
        "first_response_due_at",
        "resolution_due_at",
        "first_responded_at",
        "waiting_since",
        "first_response_breached",
        "resolution_breached",
        "escalated",
        "escalation_reason",
        "escalated_at",
        "resolution_summary",
        "resolved_at",
        "closed_at",
        "rating",
        "rating_comment",
        "idempotency_key",
        "created_at",
        "updated_at",
        "version",
        "sign_for_due_at",
        "signed_for_at",
        "dispatched_by_id",
        "transferred_from_id",
        "return_count",
        "return_reason",
        "return_note",
        "extension_count",
        "extension_pending",
        "extension_reason",
        "result_category",
        "result_basis",
        "satisfaction",
        "visit_solved",
        "visited_at",
        "redo_count",
        "reminder_count",
        "last_reminded_at",
        "resolution_remind_at",
        "typical_at",
        "typical_by_id",
        "typical_note",
    ),
    "return_visits": (
        "id",
        "request_id",
        "recorded_by_id",
        "channel",
        "satisfaction",
        "solved",
        "comment",
        "created_at",
    ),
    "messages": ("id", "request_id", "author_id", "body", "internal", "created_at"),
    "events": ("id", "request_id", "plan_id", "kind", "public", "actor_id", "data", "created_at"),
    "hotline_sessions": (
        "id",
        "request_id",
        "requested_by_id",
        "reason",
        "preferred_times",
        "status",
        "director_id",
        "scheduled_at",
        "duration_minutes",
        "meeting_link",
        "minutes_internal",
        "public_summary",
        "decisions",
        "cancel_reason",
        "held_at",
        "created_at",
        "version",
    ),
    "follow_up_actions": ("id", "hotline_session_id", "description", "owner_id", "due_date", "done_at"),
    "instructions": (
        "id",
        "request_id",
        "director_id",
        "assignee_id",
        "body",
        "created_at",
        "acknowledged_at",
        "acknowledged_by_id",
    ),
    "extension_requests": (
        "id",
        "request_id",
        "asked_by_id",
        "status",
        "public_reason",
        "internal_note",
        "previous_due_at",
        "new_due_at",
        "needs_provincial",
        "decided_by_id",
        "decided_at",
        "decision_comment",
        "created_at",
    ),
    "supervision_orders": (
        "id",
        "request_id",
        "station_id",
        "issued_by_id",
        "issue",
        "requirement",
        "deadline",
        "status",
        "report",
        "reported_by_id",
        "reported_at",
        "reports",
        "sent_back",
        "comment",
        "closed_at",
        "created_at",
        "version",
    ),
}
Stamp = Callable[[datetime | None], str | None]

# Wall-clock hours per working hour of an SLA target (seven working hours a day, five days a week).
WALL_PER_WORKING_HOUR = 3.4
CATEGORIES = list(Category)
STAGES = [s.value for s in LifecycleStage]
FIELDS = [f.value for f in ProductField]
CHANNELS = [Channel.WEB.value] * 7 + [Channel.PHONE.value, Channel.VIDEO.value, Channel.ON_SITE.value]
PRIORITIES = [Priority.P1] + [Priority.P2] * 3 + [Priority.P3] * 5 + [Priority.P4]
DUE_HOURS = {
    p.value: (first * WALL_PER_WORKING_HOUR, whole * WALL_PER_WORKING_HOUR)
    for p, (first, whole) in SLA_DEFAULTS.items()
}
OPEN = frozenset(
    s.value for s in (S.SUBMITTED, S.TRIAGED, S.EARLY_INTERVENTION, S.GUIDANCE, S.WAITING_ENTERPRISE, S.REVIEW)
)
K_CREATED, K_STATUS, K_TRIAGED, K_ASSIGNED = (
    EventKind.CREATED.value,
    EventKind.STATUS_CHANGED.value,
    EventKind.TRIAGED.value,
    EventKind.ASSIGNED.value,
)
K_REPLY, K_NOTE, K_RATED = EventKind.REPLY.value, EventKind.INTERNAL_NOTE.value, EventKind.RATED.value
K_SIGNED_FOR, K_RETURNED = EventKind.SIGNED_FOR.value, EventKind.RETURNED.value
# The sign-for time (service.store.settings.DeskSettings.sign_for_hours), in wall-clock hours.
SIGN_FOR_WALL_HOURS = 4 * WALL_PER_WORKING_HOUR
RETURN_REASONS = list(texts.RETURN_NOTES)
SUBMITTED, TRIAGED, INTERVENTION, GUIDANCE = (
    S.SUBMITTED.value,
    S.TRIAGED.value,
    S.EARLY_INTERVENTION.value,
    S.GUIDANCE.value,
)
REVIEW = S.REVIEW.value
WAITING, RESOLVED, CLOSED, DECLINED, WITHDRAWN = (
    S.WAITING_ENTERPRISE.value,
    S.RESOLVED.value,
    S.CLOSED.value,
    S.DECLINED.value,
    S.WITHDRAWN.value,
)


def _spread(weights: dict[str, int]) -> list[str]:
    return [status for status, weight in weights.items() for _ in range(weight)]


# Results (办结) by category, phone visits (回访) by satisfaction: most results solve the difficulty and please.
RESULTS = _spread(
    {ResultCategory.RESOLVED.value: 39, ResultCategory.EXPLAINED.value: 8, ResultCategory.NOT_FEASIBLE.value: 3}
)
PHONE_LEVELS = _spread(
    {
        Satisfaction.VERY_SATISFIED.value: 40,
        Satisfaction.SATISFIED.value: 35,
        Satisfaction.BASICALLY_SATISFIED.value: 15,
        Satisfaction.UNSATISFIED.value: 7,
        Satisfaction.VERY_UNSATISFIED.value: 3,
    }
)
UNSATISFIED = frozenset(level.value for level in UNSATISFIED_LEVELS)
ONLINE_LEVELS = {rating: level.value for rating, level in RATING_LEVELS.items()}
K_REMINDED, K_VISITED = EventKind.REMINDED.value, EventKind.VISITED.value
K_TYPICAL = EventKind.TYPICAL_FLAGGED.value
# The share of results a head flags as typical cases (典型案例) for the month's report.
TYPICAL_SHARE = 0.01
REMINDER_SHARE = 0.75


# Statuses by age: old requests are almost all finished, recent ones spread over the open states.
OLD = _spread({CLOSED: 86, DECLINED: 6, WITHDRAWN: 5, GUIDANCE: 1, INTERVENTION: 1, WAITING: 1})
MIDDLE = _spread(
    {
        CLOSED: 55,
        RESOLVED: 5,
        REVIEW: 1,
        GUIDANCE: 10,
        INTERVENTION: 10,
        WAITING: 8,
        TRIAGED: 4,
        DECLINED: 4,
        WITHDRAWN: 4,
    }
)
RECENT = _spread(
    {
        SUBMITTED: 25,
        TRIAGED: 15,
        INTERVENTION: 15,
        GUIDANCE: 10,
        WAITING: 10,
        RESOLVED: 15,
        REVIEW: 4,
        CLOSED: 5,
        DECLINED: 3,
        WITHDRAWN: 2,
    }
)


@lru_cache(maxsize=4096)
def _json(*items: tuple[str, object]) -> str:
    return json.dumps(dict(items), ensure_ascii=False)


@dataclass
class Enterprise:
    id: int
    station_id: int
    user_ids: list[int]
    plan_id: int | None = None
    # Its name and credit code as index terms (service.search_index.enterprise_terms).
    terms: str = ""


@dataclass
class World:
    """Who exists: staff and directors per station, enterprises with their users and active plan."""

    staff: dict[int, list[tuple[int, str]]]
    directors: dict[int, list[int]]
    hub_director: int
    enterprises: list[Enterprise]
    # The stations whose head reviews results (their results may wait for the review).
    reviewing: frozenset[int] = frozenset()


@dataclass
class Batch:
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    # Search-index rows: (id, title, public, internal, scope, product, enterprise terms) for SQLite, (id, tsvector)
    # for PostgreSQL.
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    requests: int = 0


@dataclass
class Start:
    """What the generator goes on from: the world it tells of, the next free id of each table, the last
    reference number of each year, and the moment its stories end (naive UTC)."""

    world: World
    next_ids: dict[str, int]
    counters: dict[int, int]
    now: datetime


class Storyteller:
    """Tells requests one after the other, handing out ids and reference numbers as it goes."""

    def __init__(self, start: Start, seed: int, stamp: Stamp, postgres: bool) -> None:
        self.world, self.ids, self.counters, self.now = start.world, dict(start.next_ids), start.counters, start.now
        self.rng = random.Random(seed)
        # Sign-for and extensions draw from a stream of their own: every other value a seed generates stays as it
        # was before they came (the tests and the benchmark's before/after read the same data).
        self.supervision_rng = random.Random(seed + 1)
        # Typical cases came later still: a stream of their own too.
        self.typical_rng = random.Random(seed + 2)
        self.stamp, self.postgres = stamp, postgres

    def take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def tell(self, batch: Batch, created: datetime) -> None:
        rng = self.rng
        enterprises = self.world.enterprises
        # A few enterprises bring most requests (the demo ones come first).
        enterprise = enterprises[int(len(enterprises) * rng.random() ** 1.6)]
        age_days = (self.now - created).total_seconds() / 86400
        statuses = OLD if age_days > 60 else MIDDLE if age_days > 14 else RECENT
        status = statuses[int(rng.random() * len(statuses))]
        if status == GUIDANCE and enterprise.plan_id is None:
            status = INTERVENTION
        if status == REVIEW and enterprise.station_id not in self.world.reviewing:
            status = RESOLVED
        _Story(self, batch, enterprise, created, status).play()
        batch.requests += 1


@dataclass
class _Supervision:
    """A story's sign-for, return and extension columns, as its request's row carries them."""

    sign_for_due_at: datetime | None = None
    signed_for_at: datetime | None = None
    dispatched_by_id: int | None = None
    return_count: int = 0
    return_reason: str | None = None
    return_note: str | None = None
    extension_count: int = 0
    extension_pending: bool = False
    extension_reason: str | None = None


class _Story:
    """One request from submission to where it stands now."""

    def __init__(
        self, teller: Storyteller, batch: Batch, enterprise: Enterprise, created: datetime, status: str
    ) -> None:
        rng = self.rng = teller.rng
        self.t, self.batch, self.enterprise = teller, batch, enterprise
        self.id = teller.take("requests")
        self.created, self.clock, self.status = created, created, status
        self.english = rng.random() < 0.2
        self.submitter = enterprise.user_ids[int(rng.random() * len(enterprise.user_ids))]
        staff = teller.world.staff[enterprise.station_id]
        self.assignee: int | None
        self.assignee_name: str | None
        self.assignee, self.assignee_name = staff[int(rng.random() * len(staff))]
        self.channel = CHANNELS[int(rng.random() * len(CHANNELS))]
        year = reference_year(created)
        self.sequence = teller.counters.get(year, 0) + 1
        teller.counters[year] = self.sequence
        self.year, self.reference = year, format_reference(year, self.sequence)
        self.public_terms: list[str] = []
        self.internal_terms: list[str] = []
        self.fields: dict[str, Any] = {}  # the request's columns that only some stories fill
        self.supervision = _Supervision()
        # Time between submission and now, shared out over the story's steps (never past now).
        self.budget = max(60.0, min((teller.now - created).total_seconds() * 0.9, 86400 * rng.uniform(3, 45)))

    def later(self, share: float, rng: random.Random | None = None) -> datetime:
        self.clock += timedelta(seconds=self.budget * share * (0.5 + (rng or self.rng).random() / 2))
        return self.clock

    def event(self, kind: str, at: datetime, actor: int | None, public: bool, data: str) -> None:
        self.batch.rows["events"].append(
            (self.t.take("events"), self.id, None, kind, public, actor, data, self.t.stamp(at))
        )

    def message(self, body: str, author: int | None, internal: bool, at: datetime) -> None:
        message_id = self.t.take("messages")
        self.batch.rows["messages"].append((message_id, self.id, author, body, internal, self.t.stamp(at)))
        (self.internal_terms if internal else self.public_terms).append(texts.sentence_terms(body))
        self.event(K_NOTE if internal else K_REPLY, at, author, not internal, f'{{"message_id": {message_id}}}')

    def move(
        self,
        action: str,
        source: str,
        target: str,
        actor: int | None,
        share: float,
        reason: str | None = None,
        public: bool = True,
    ) -> datetime:
        at = self.later(share)
        items = (("action", action), ("from", source), ("to", target))
        self.event(K_STATUS, at, actor, public, _json(*items, ("reason", reason)) if reason else _json(*items))
        return at

    def play(self) -> None:
        rng, status = self.rng, self.status
        self.category = CATEGORIES[int(rng.random() * len(CATEGORIES))]
        self.product, self.title, self.body = texts.request_text(rng, self.category, self.english)
        self.urgent = rng.random() < 0.1
        self.stage = STAGES[int(rng.random() * len(STAGES))]
        self.priority = None if status == SUBMITTED else PRIORITIES[int(rng.random() * len(PRIORITIES))].value
        first, whole = DUE_HOURS[self.priority or ("P2" if self.urgent else "P3")]
        self.first_due = self.created + timedelta(hours=first)
        self.resolution_due = self.created + timedelta(hours=whole)
        on_behalf = "false" if self.channel == "web" else "true"
        self.event(
            K_CREATED,
            self.created,
            self.submitter,
            True,
            f'{{"reference": "{self.reference}", "channel": "{self.channel}", "on_behalf": {on_behalf}}}',
        )
        if status == SUBMITTED or (status in (DECLINED, WITHDRAWN) and rng.random() < 0.5):
            if status != SUBMITTED:
                self.finish_early(SUBMITTED)
            self.assignee = self.assignee_name = None
        else:
            self.work()
        self.write()

    def finish_early(self, source: str) -> None:
        reason = texts.reason(self.rng)
        if self.status == DECLINED:
            self.fields["closed_at"] = self.move("decline", source, DECLINED, self.assignee, 0.3, reason)
        else:
            self.fields["closed_at"] = self.move("withdraw", source, WITHDRAWN, self.submitter, 0.3, reason)

    def work(self) -> None:
        rng, staff, status = self.rng, self.assignee, self.status
        at = self.move("triage", SUBMITTED, TRIAGED, staff, 0.05)
        self.event(
            K_TRIAGED,
            at,
            staff,
            False,
            _json(("category", self.category.value), ("priority", self.priority), ("lifecycle_stage", self.stage)),
        )
        if rng.random() < 0.1 and status in (TRIAGED, INTERVENTION):
            self.assignee = self.assignee_name = None
        else:
            self.dispatch(at)
        answered = self.later(0.05)
        self.fields["first_responded_at"] = answered
        self.message(texts.reply(rng, self.english), staff, False, answered)
        if rng.random() < 0.45:
            self.message(texts.note(rng, self.english), staff, True, self.later(0.05))
        if status in (TRIAGED, DECLINED, WITHDRAWN):
            if status != TRIAGED:
                self.finish_early(TRIAGED)
            return
        working = TRIAGED
        if status in (INTERVENTION, GUIDANCE) or rng.random() < 0.5:
            self.move("start_intervention", working, INTERVENTION, staff, 0.1)
            working = INTERVENTION
        if status == GUIDANCE or (self.enterprise.plan_id and status != INTERVENTION and rng.random() < 0.3):
            self.move("start_guidance", working, GUIDANCE, staff, 0.1)
            working = GUIDANCE
            self.fields["plan_id"] = self.enterprise.plan_id
        if status == WAITING or (status not in (INTERVENTION, GUIDANCE) and rng.random() < 0.2):
            at = self.move("request_info", working, WAITING, staff, 0.1)
            self.message(texts.reply(rng, self.english), staff, False, at)
            if status == WAITING:
                self.fields.update(waiting_since=at, resume_status=working)
                return
            at = self.move("enterprise_answers", WAITING, working, self.submitter, 0.1)
            self.message(texts.enterprise_reply(rng), self.submitter, False, at)
        if self.t.supervision_rng.random() < 0.06:
            self.extend()
        if status in (INTERVENTION, GUIDANCE):
            return
        if status == REVIEW:
            # The result waits for the head's review: the enterprise does not see the step.
            self.move("resolve", working, REVIEW, staff, 0.2, public=False)
            self.fields.update(resolution_summary=texts.summary(rng), resume_status=working, **self.result())
            return
        resolved = self.move("resolve", working, RESOLVED, staff, 0.2)
        if rng.random() < 0.04:
            # Visited unsatisfied, redone by the head's decision (重办), resolved again.
            self.visit(self.later(0.05), PHONE_LEVELS[-1], False)
            directors = self.t.world.directors.get(self.enterprise.station_id) or [self.t.world.hub_director]
            self.move("redo", RESOLVED, working, directors[0], 0.05, texts.redo_reason(rng))
            self.fields.update(redo_count=1, satisfaction=None, visit_solved=None, visited_at=None)
            resolved = self.move("resolve", working, RESOLVED, staff, 0.1)
        self.fields.update(
            resolved_at=resolved, resolution_summary=texts.summary(rng), resume_status=working, **self.result()
        )
        if status == CLOSED:
            self.close()
        if self.fields.get("visited_at") is None and rng.random() < 0.7:
            level = PHONE_LEVELS[int(rng.random() * len(PHONE_LEVELS))]
            at = resolved + timedelta(hours=rng.uniform(20, 120))
            if at < self.t.now:
                self.visit(at, level, level not in UNSATISFIED or rng.random() < 0.3)

    def assigned(self, at: datetime, by: int | None, assignee: int | None, name: str | None) -> None:
        self.event(
            K_ASSIGNED, at, by, False, _json(("previous", None), ("assignee", assignee), ("assignee_name", name))
        )

    def dispatch(self, at: datetime) -> None:
        """Assigned at triage: mostly taken by the officer who triaged it (signed for at once); otherwise dispatched
        by the station's first officer and signed for in time (or late), some first returned by a colleague, a
        few recent ones still waiting for their sign-for."""
        teller, staff, sv = self.t, self.assignee, self.supervision
        rng = teller.supervision_rng
        colleagues = teller.world.staff[self.enterprise.station_id]
        dispatcher = colleagues[0][0]
        if dispatcher == staff or rng.random() < 0.7:
            self.assigned(at, staff, staff, self.assignee_name)
            sv.signed_for_at = at
            return
        sv.dispatched_by_id = dispatcher
        if rng.random() < 0.1:
            first, first_name = colleagues[-1]
            self.assigned(at, dispatcher, first, first_name)
            reason = RETURN_REASONS[int(rng.random() * len(RETURN_REASONS))]
            at += timedelta(hours=0.5 + rng.random() * 3)
            station = self.enterprise.station_id
            self.event(
                K_RETURNED,
                at,
                first,
                False,
                _json(
                    ("return_reason", reason),
                    ("reason", texts.RETURN_NOTES[reason]),
                    ("previous_assignee", first),
                    ("from_station", station),
                    ("to_station", station),
                ),
            )
            sv.return_count, sv.return_reason, sv.return_note = 1, reason, texts.RETURN_NOTES[reason]
        self.assigned(at, dispatcher, staff, self.assignee_name)
        due = sv.sign_for_due_at = at + timedelta(hours=SIGN_FOR_WALL_HOURS)
        if self.status == TRIAGED and teller.now - at < timedelta(days=14) and rng.random() < 0.5:
            return
        signed = min(at + timedelta(hours=SIGN_FOR_WALL_HOURS * (rng.random() * 1.25)), teller.now)
        sv.signed_for_at, sv.return_reason, sv.return_note = signed, None, None
        self.event(K_SIGNED_FOR, signed, staff, False, '{"late": true}' if signed > due else '{"late": false}')

    def extend(self) -> None:
        """The officer asked for more time: mostly approved by the station's head (the promised date moves), some
        refused, and a few on open requests still waiting for a decision."""
        teller, staff = self.t, self.assignee or self.submitter
        rng = teller.supervision_rng
        asked = self.later(0.05, rng)
        previous = self.resolution_due
        new_due = max(previous, asked) + timedelta(days=(7, 14, 30)[int(rng.random() * 3)])
        reason = texts.EXTENSION_REASONS[int(rng.random() * len(texts.EXTENSION_REASONS))]
        extension_id = teller.take("extension_requests")
        due_text = new_due.replace(tzinfo=UTC).isoformat()
        self.event(
            EventKind.EXTENSION_ASKED.value,
            asked,
            staff,
            False,
            _json(("extension_id", extension_id), ("new_due_at", due_text), ("reason", reason)),
        )
        head = (teller.world.directors.get(self.enterprise.station_id) or [teller.world.hub_director])[0]
        draw = rng.random()
        decided: datetime | None = None
        if self.status in OPEN and draw < 0.2:
            status = ExtensionStatus.PENDING.value
            self.supervision.extension_pending = True
        else:
            decided = min(asked + timedelta(hours=2 + rng.random() * 20), teller.now)
            status = ExtensionStatus.APPROVED.value if draw < 0.85 else ExtensionStatus.REFUSED.value
        comment = None
        if status == ExtensionStatus.APPROVED.value:
            comment = "同意延期。"
            self.resolution_due = new_due
            self.supervision.extension_count, self.supervision.extension_reason = 1, reason
            self.event(
                EventKind.EXTENSION_APPROVED.value,
                decided or asked,
                head,
                True,
                _json(("extension_id", extension_id), ("new_due_at", due_text), ("reason", reason)),
            )
        elif status == ExtensionStatus.REFUSED.value:
            comment = "请按原时限办结。"
            self.event(
                EventKind.EXTENSION_REFUSED.value,
                decided or asked,
                head,
                False,
                _json(("extension_id", extension_id), ("new_due_at", due_text), ("note", comment)),
            )
        stamp = teller.stamp
        self.batch.rows["extension_requests"].append(
            (
                extension_id,
                self.id,
                staff,
                status,
                reason,
                "",
                stamp(previous),
                stamp(new_due),
                False,
                head if decided else None,
                stamp(decided),
                comment,
                stamp(asked),
            )
        )

    def close(self) -> None:
        if self.rng.random() < 0.8:
            rating = (2, 3, 4, 4, 5, 5, 5, 5)[int(self.rng.random() * 8)]
            at = self.move("confirm", RESOLVED, CLOSED, self.submitter, 0.1)
            self.event(K_RATED, at, self.submitter, True, f'{{"rating": {rating}}}')
            self.fields["rating"] = rating
            self.visit(at, ONLINE_LEVELS[rating], None, online=True)
        else:
            at = self.move("auto_close", RESOLVED, CLOSED, None, 0.1)
        self.fields["closed_at"] = at

    def result(self) -> dict[str, str | None]:
        """A result's category (办结) and, for an explanation or a refusal, its basis."""
        category = RESULTS[int(self.rng.random() * len(RESULTS))]
        explained = category == ResultCategory.EXPLAINED.value
        basis = None if category == ResultCategory.RESOLVED.value else texts.basis(self.rng, explained)
        return {"result_category": category, "result_basis": basis}

    def visit(self, at: datetime, level: str, solved: bool | None, online: bool = False) -> None:
        """A return visit (回访): the enterprise's rating online, or a colleague's phone call."""
        if online:
            by, channel = self.submitter, VisitChannel.ONLINE.value
        else:
            staff = self.t.world.staff[self.enterprise.station_id]
            by, channel = staff[int(self.rng.random() * len(staff))][0], VisitChannel.PHONE.value
            if by == self.assignee:
                by = (self.t.world.directors.get(self.enterprise.station_id) or [self.t.world.hub_director])[0]
        comment = texts.visit_comment(self.rng, level not in UNSATISFIED) if not online else ""
        self.batch.rows["return_visits"].append(
            (self.t.take("return_visits"), self.id, by, channel, level, solved, comment, self.t.stamp(at))
        )
        items = (("channel", channel), ("satisfaction", level))
        data = _json(*items, ("solved", solved)) if solved is not None else _json(*items)
        self.event(K_VISITED, at, by, False, data)
        self.fields.update(satisfaction=level, visit_solved=solved, visited_at=at)

    def remind(self, finished: datetime | None) -> int:
        """The sweep's reminders (催办) of the resolution clock up to the result (or now), a head's now and then;
        returns how many, and sets when the clock reminds next."""
        teller, f = self.t, self.fields
        end = finished or teller.now
        warning = self.created + (self.resolution_due - self.created) * REMINDER_SHARE
        sent, last = 0, None
        for stage, at in ((Stage.APPROACHING.value, warning), (Stage.OVERDUE.value, self.resolution_due)):
            if at <= end and self.status != SUBMITTED:
                self.event(
                    K_REMINDED, at, None, False, _json(("clock", ReminderClock.RESOLUTION.value), ("stage", stage))
                )
                sent, last = sent + 1, at
        if finished is None and self.status != SUBMITTED and self.rng.random() < 0.03:
            at = max(self.clock, teller.now - timedelta(hours=self.rng.uniform(1, 48)))
            directors = teller.world.directors.get(self.enterprise.station_id) or [teller.world.hub_director]
            message = texts.reminder(self.rng)
            self.event(
                K_REMINDED, at, directors[0], False, _json(("clock", ReminderClock.MANUAL.value), ("message", message))
            )
            sent, last = sent + 1, max(at, last or at)
        if finished is None and self.status != REVIEW:  # a result in review is reminded of no more
            f["remind_at"] = warning if warning > end else self.resolution_due if self.resolution_due > end else None
        f["last_reminded_at"] = last
        return sent

    def write(self) -> None:
        teller, rng, f, stamp, sv = self.t, self.rng, self.fields, self.t.stamp, self.supervision
        open_ = self.status in OPEN
        responded = f.get("first_responded_at")
        first_breached = (responded or teller.now) > self.first_due and (responded is not None or open_)
        finished = f.get("resolved_at") or f.get("closed_at")
        resolution_breached = (finished or teller.now) > self.resolution_due and (finished is not None or open_)
        reminders = self.remind(None if open_ else finished)
        escalated = open_ and self.status != SUBMITTED and rng.random() < 0.04
        if escalated:
            self.escalate()
        if self.status not in (SUBMITTED, DECLINED, WITHDRAWN) and rng.random() < 0.006:
            _Hotline(self).write()
        # Supervision orders (督办): on half the escalated cases, a few open ones, now and then a finished one.
        if self.status not in (SUBMITTED, DECLINED, WITHDRAWN) and rng.random() < (
            0.5 if escalated else 0.03 if open_ else 0.003
        ):
            _Order(self).write()
        typical_at, typical_by, typical_note = self.typical()
        field_code = FIELDS[int(rng.random() * len(FIELDS))]
        self.batch.rows["requests"].append(
            (
                self.id,
                self.reference,
                self.year,
                self.sequence,
                self.enterprise.id,
                self.submitter,
                self.channel,
                self.title,
                (" " if self.english else "").join(self.body),
                self.category.value,
                self.product,
                "III" if rng.random() < 0.4 else "II",
                "ivd" if field_code == "ivd_reagent" else "active",
                field_code,
                rng.random() < 0.15,
                self.stage,
                self.urgent,
                self.priority,
                self.status,
                f.get("resume_status"),
                self.enterprise.station_id,
                self.assignee,
                f.get("plan_id"),
                stamp(self.first_due),
                stamp(self.resolution_due),
                stamp(responded),
                stamp(f.get("waiting_since")),
                first_breached,
                resolution_breached,
                escalated,
                f.get("escalation_reason"),
                stamp(f.get("escalated_at")),
                f.get("resolution_summary"),
                stamp(f.get("resolved_at")),
                stamp(f.get("closed_at")),
                f.get("rating"),
                None,
                None,
                stamp(self.created),
                stamp(self.clock),
                1,
                stamp(sv.sign_for_due_at),
                stamp(sv.signed_for_at),
                sv.dispatched_by_id,
                None,
                sv.return_count,
                sv.return_reason,
                sv.return_note,
                sv.extension_count,
                sv.extension_pending,
                sv.extension_reason,
                f.get("result_category"),
                f.get("result_basis"),
                f.get("satisfaction"),
                f.get("visit_solved"),
                stamp(f.get("visited_at")),
                f.get("redo_count", 0),
                reminders,
                stamp(f.get("last_reminded_at")),
                stamp(f.get("remind_at")),
                stamp(typical_at),
                typical_by,
                typical_note,
            )
        )
        title, public = texts.sentence_terms(self.title), " ".join((texts.terms_of(self.body), *self.public_terms))
        internal = " ".join(self.internal_terms)
        scope = scope_terms(self.enterprise.id, self.enterprise.station_id)
        product = texts.sentence_terms(self.product)
        self.batch.documents.append(
            (
                self.id,
                tsvector_literal(Document(self.id, title, public, internal, scope, product, self.enterprise.terms)),
            )
            if teller.postgres
            else (self.id, title, public, internal, scope, product, self.enterprise.terms)
        )

    def typical(self) -> tuple[datetime | None, int | None, str | None]:
        """A few results are flagged by the station's head as typical cases, a day or two after the result."""
        teller, resolved = self.t, self.fields.get("resolved_at")
        rng = teller.typical_rng
        if resolved is None or self.status not in (RESOLVED, CLOSED) or rng.random() >= TYPICAL_SHARE:
            return None, None, None
        at = min(resolved + timedelta(hours=rng.uniform(4, 48)), teller.now)
        head = (teller.world.directors.get(self.enterprise.station_id) or [teller.world.hub_director])[0]
        note = texts.typical_note(rng)
        self.event(K_TYPICAL, at, head, False, _json(("note", note)))
        return at, head, note

    def escalate(self) -> None:
        teller, rng = self.t, self.rng
        at = self.later(0.05)
        reason = texts.note(rng, self.english)
        self.fields.update(escalation_reason=reason, escalated_at=at)
        self.event(EventKind.ESCALATED.value, at, self.assignee, False, _json(("reason", reason), ("by_sweep", False)))
        if rng.random() < 0.6:
            directors = teller.world.directors.get(self.enterprise.station_id) or [teller.world.hub_director]
            director = directors[int(rng.random() * len(directors))]
            instruction_id = teller.take("instructions")
            body = "请尽快与企业沟通，一周内反馈进展。"
            acknowledged_at = at + timedelta(hours=6)
            acknowledged = None if rng.random() < 0.5 or acknowledged_at > teller.now else acknowledged_at
            self.batch.rows["instructions"].append(
                (
                    instruction_id,
                    self.id,
                    director,
                    self.assignee,
                    body,
                    teller.stamp(at),
                    teller.stamp(acknowledged),
                    self.assignee if acknowledged else None,
                )
            )
            self.event(
                EventKind.INSTRUCTION.value,
                at,
                director,
                False,
                _json(("instruction_id", instruction_id), ("body", body)),
            )


class _Hotline:
    """A director hotline session of the story's request: requested, scheduled, held (with a follow-up) or cancelled."""

    REASON = "希望通过局长热线当面沟通注册申报中的卡脖子问题。"
    TIMES = "工作日下午"
    SUMMARY = "已明确下一步申报路径。"

    def __init__(self, story: _Story) -> None:
        self.story, self.t, self.rng = story, story.t, story.rng

    def write(self) -> None:
        story, teller, rng, stamp = self.story, self.t, self.rng, self.t.stamp
        hotline_id = teller.take("hotline_sessions")
        requested = story.created + timedelta(hours=1 + rng.random() * 47)
        director = teller.world.hub_director
        if story.status in OPEN:
            status = HotlineStatus.SCHEDULED if rng.random() < 0.5 else HotlineStatus.REQUESTED
        else:
            status = HotlineStatus.CANCELLED if rng.random() < 0.3 else HotlineStatus.HELD
        scheduled = None
        if status == HotlineStatus.SCHEDULED:
            scheduled = teller.now + timedelta(days=0.5 + rng.random() * 12.5)
        elif status != HotlineStatus.REQUESTED:
            scheduled = min(requested + timedelta(days=1 + rng.random() * 9), teller.now - timedelta(hours=1))
        held = status == HotlineStatus.HELD
        teller_rows = story.batch.rows
        teller_rows["hotline_sessions"].append(
            (
                hotline_id,
                story.id,
                story.submitter,
                self.REASON,
                self.TIMES,
                status.value,
                director if scheduled else None,
                stamp(scheduled),
                45 if scheduled else None,
                f"https://meet.example.gov.cn/hotline/{story.reference}" if scheduled else None,
                "会议纪要：企业介绍了产品进展，审评专家给出整改建议。" if held else None,
                self.SUMMARY if held else None,
                "由分站一企一策跟进。" if held else None,
                "企业申请改期。" if status == HotlineStatus.CANCELLED else None,
                stamp(scheduled) if held else None,
                stamp(requested),
                1,
            )
        )
        story.event(
            EventKind.HOTLINE_REQUESTED.value,
            requested,
            story.submitter,
            True,
            _json(("hotline_id", hotline_id), ("reason", self.REASON), ("preferred_times", self.TIMES)),
        )
        if held and scheduled is not None:
            teller_rows["follow_up_actions"].append(
                (
                    teller.take("follow_up_actions"),
                    hotline_id,
                    "补充临床评价资料并提交分站审阅。",
                    story.assignee or director,
                    (scheduled + timedelta(days=14)).date().isoformat(),
                    stamp(scheduled) if rng.random() < 0.6 else None,
                )
            )
            story.event(
                EventKind.HOTLINE_HELD.value,
                scheduled,
                director,
                True,
                _json(("hotline_id", hotline_id), ("summary", self.SUMMARY)),
            )


class _Order:
    """A supervision order (督办) on the story's request: an open case's waits for its report (its deadline from
    well past to a week ahead, so every tier shows) or for the director's acceptance; a finished case's was
    concluded, a few after a send-back, or cancelled."""

    ISSUE = "企业反映办理进度缓慢，请加快办理。"
    REQUIREMENT = "按期报送落实情况，写明办理进展和办结时限。"
    REPORT = "已与企业电话沟通，补正材料已受理，预计一周内办结。"
    SEND_BACK = "请补充具体办结时间。"

    def __init__(self, story: _Story) -> None:
        self.story, self.t, self.rng = story, story.t, story.rng

    def write(self) -> None:
        story, teller, rng, stamp = self.story, self.t, self.rng, self.t.stamp
        order_id = teller.take("supervision_orders")
        station = story.enterprise.station_id
        directors = teller.world.directors.get(station) or []
        director = directors[0] if directors and rng.random() < 0.4 else teller.world.hub_director
        unit = story.assignee or director
        if story.status in OPEN:
            issued = min(teller.now - timedelta(hours=2), story.created + timedelta(days=1 + rng.random() * 10))
            deadline = teller.now + timedelta(days=rng.uniform(-12, 7))
            status = SupervisionStatus.REPORTED if rng.random() < 0.25 else SupervisionStatus.OPEN
        else:
            issued = min(teller.now - timedelta(days=2), story.created + timedelta(hours=12 + rng.random() * 72))
            deadline = issued + timedelta(days=3 + rng.random() * 4)
            status = SupervisionStatus.CANCELLED if rng.random() < 0.1 else SupervisionStatus.CLOSED
        data = _json(("order_id", order_id), ("deadline", deadline.isoformat() + "+00:00"), ("note", self.ISSUE))
        story.event(EventKind.SUPERVISION_ISSUED.value, issued, director, False, data)
        reports = sent_back = 0
        report = reported = comment = closed = None
        if status == SupervisionStatus.CANCELLED:
            closed, comment = issued + timedelta(days=1), "已另行部署。"
            story.event(EventKind.SUPERVISION_CANCELLED.value, closed, director, False, _json(("order_id", order_id)))
        elif status != SupervisionStatus.OPEN or rng.random() < 0.3:
            reported = min(teller.now - timedelta(hours=1), issued + timedelta(days=1 + rng.random() * 2))
            report, reports = self.REPORT, 1
            story.event(EventKind.SUPERVISION_REPORTED.value, reported, unit, False, _json(("order_id", order_id)))
            if status == SupervisionStatus.OPEN or rng.random() < 0.3:
                # Sent back: the unit reports again (a finished case's), or has still to (an open one's).
                comment, sent_back = self.SEND_BACK, 1
                story.event(
                    EventKind.SUPERVISION_SENT_BACK.value, reported, director, False, _json(("order_id", order_id))
                )
                if status != SupervisionStatus.OPEN:
                    reports += 1
            if status == SupervisionStatus.CLOSED:
                closed = reported
                story.event(
                    EventKind.SUPERVISION_ACCEPTED.value, closed, director, False, _json(("order_id", order_id))
                )
        story.batch.rows["supervision_orders"].append(
            (
                order_id,
                story.id,
                station,
                director,
                self.ISSUE,
                self.REQUIREMENT,
                stamp(deadline),
                status.value,
                report,
                unit if report else None,
                stamp(reported),
                reports,
                sent_back,
                comment,
                stamp(closed),
                stamp(issued),
                1 + reports + sent_back,
            )
        )
