"""The life story of each generated request, as rows: the request, its messages, events, hotline and instruction.

Stories follow the lifecycle table (submitted -> triaged -> early intervention
-> guidance -> resolved -> closed, with waiting, declines and withdrawals), and
their event data has the shape the operations write, so generated requests
read on every page like real ones. Rows are plain tuples in the column order
of ``COLUMNS``; timestamps are naive UTC datetimes, formatted by the loader.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service import demo_texts as texts
from service.models import (
    Category,
    Channel,
    DeviceClass,
    EventKind,
    HotlineStatus,
    LifecycleStage,
    Priority,
    ProductField,
    ProductType,
    Status,
)
from service.seed import SLA_DEFAULTS

COLUMNS = {
    "requests": (
        "id", "reference", "year", "sequence", "enterprise_id", "submitter_id", "channel", "title", "description",
        "category", "product_name", "device_class", "product_type", "product_field", "innovative", "lifecycle_stage",
        "urgent", "priority", "status", "resume_status", "station_id", "assignee_id", "plan_id",
        "first_response_due_at", "resolution_due_at", "first_responded_at", "waiting_since",
        "first_response_breached", "resolution_breached", "escalated", "escalation_reason", "escalated_at",
        "resolution_summary", "resolved_at", "closed_at", "rating", "rating_comment", "idempotency_key",
        "created_at", "updated_at", "version"),
    "messages": ("id", "request_id", "author_id", "body", "internal", "created_at"),
    "events": ("id", "request_id", "plan_id", "kind", "public", "actor_id", "data", "created_at"),
    "hotline_sessions": (
        "id", "request_id", "requested_by_id", "reason", "preferred_times", "status", "director_id", "scheduled_at",
        "duration_minutes", "meeting_link", "minutes_internal", "public_summary", "decisions", "cancel_reason",
        "held_at", "created_at", "version"),
    "follow_up_actions": ("id", "hotline_session_id", "description", "owner_id", "due_date", "done_at"),
    "instructions": ("id", "request_id", "director_id", "assignee_id", "body", "created_at", "acknowledged_at",
                     "acknowledged_by_id"),
}

# Wall-clock hours per working hour of an SLA target (7 working hours a day, five days a week).
WALL_PER_WORKING_HOUR = 3.4
CATEGORIES = list(Category)
STAGES = list(LifecycleStage)
FIELDS = list(ProductField)
CHANNELS = [Channel.WEB] * 7 + [Channel.PHONE, Channel.VIDEO, Channel.ON_SITE]
PRIORITIES = [Priority.P1] + [Priority.P2] * 3 + [Priority.P3] * 5 + [Priority.P4]


def _spread(weights: dict[Status, int]) -> list[Status]:
    return [status for status, weight in weights.items() for _ in range(weight)]


# Statuses by age: old requests are almost all finished, recent ones spread over the open states.
OLD = _spread({Status.CLOSED: 86, Status.DECLINED: 6, Status.WITHDRAWN: 5, Status.GUIDANCE: 1,
               Status.EARLY_INTERVENTION: 1, Status.WAITING_ENTERPRISE: 1})
MIDDLE = _spread({Status.CLOSED: 55, Status.RESOLVED: 5, Status.GUIDANCE: 10, Status.EARLY_INTERVENTION: 10,
                  Status.WAITING_ENTERPRISE: 8, Status.TRIAGED: 4, Status.DECLINED: 4, Status.WITHDRAWN: 4})
RECENT = _spread({Status.SUBMITTED: 25, Status.TRIAGED: 15, Status.EARLY_INTERVENTION: 15, Status.GUIDANCE: 10,
                  Status.WAITING_ENTERPRISE: 10, Status.RESOLVED: 15, Status.CLOSED: 5, Status.DECLINED: 3,
                  Status.WITHDRAWN: 2})


@dataclass
class Enterprise:
    id: int
    station_id: int
    user_ids: list[int]
    plan_id: int | None = None


@dataclass
class World:
    """Who exists: staff and directors per station, enterprises with their users and active plan."""

    staff: dict[int, list[tuple[int, str]]]
    directors: dict[int, list[int]]
    hub_director: int
    enterprises: list[Enterprise]


@dataclass
class Batch:
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    # (request id, title terms, public terms, internal terms) for the search index.
    documents: list[tuple[int, str, str, str]] = field(default_factory=list)


class Ids:
    def __init__(self, start: dict[str, int]) -> None:
        self.next = dict(start)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Storyteller:
    def __init__(self, world: World, ids: Ids, counters: dict[int, int], now: datetime, seed: int) -> None:
        self.world, self.ids, self.counters, self.now = world, ids, counters, now
        self.rng = random.Random(seed)

    def tell(self, batch: Batch, created: datetime) -> None:
        rng, now = self.rng, self.now
        enterprise = self.world.enterprises[int(len(self.world.enterprises) * rng.random() ** 1.6)]
        request_id = self.ids.take("requests")
        age_days = (now - created).total_seconds() / 86400
        statuses = OLD if age_days > 60 else MIDDLE if age_days > 14 else RECENT
        status = statuses[rng.randrange(len(statuses))]
        if status == Status.GUIDANCE and enterprise.plan_id is None:
            status = Status.EARLY_INTERVENTION
        story = _Story(self, batch, request_id, enterprise, created, status)
        story.play()


class _Story:
    """One request from submission to where it stands now."""

    def __init__(self, teller: Storyteller, batch: Batch, request_id: int, enterprise: Enterprise,
                 created: datetime, status: Status) -> None:
        self.t, self.batch, self.id, self.enterprise = teller, batch, request_id, enterprise
        self.rng = teller.rng
        self.created, self.clock, self.status = created, created, status
        self.english = self.rng.random() < 0.2
        self.submitter = enterprise.user_ids[self.rng.randrange(len(enterprise.user_ids))]
        staff = teller.world.staff[enterprise.station_id]
        self.assignee, self.assignee_name = staff[self.rng.randrange(len(staff))]
        self.channel = CHANNELS[self.rng.randrange(len(CHANNELS))]
        year = (created + timedelta(hours=8)).year  # the reference counts years in Beijing time
        self.sequence = teller.counters.get(year, 0) + 1
        teller.counters[year] = self.sequence
        self.year, self.reference = year, f"JL-{year}-{self.sequence:06d}"
        self.public_terms: list[str] = []
        self.internal_terms: list[str] = []
        self.fields: dict[str, object] = {}
        # Time left between submission and now, shared out over the story's steps.
        self.budget = max(60.0, min((teller.now - created).total_seconds() * 0.9, 86400 * self.rng.uniform(3, 45)))

    def later(self, share: float) -> datetime:
        self.clock += timedelta(seconds=self.budget * share * self.rng.uniform(0.5, 1.0))
        return self.clock

    def event(self, kind: EventKind, at: datetime, actor: int | None, public: bool, **data: object) -> None:
        self.batch.rows["events"].append((self.t.ids.take("events"), self.id, None, kind.value, public, actor,
                                          json.dumps(data, ensure_ascii=False), at))

    def message(self, body: str, author: int, internal: bool, at: datetime) -> None:
        message_id = self.t.ids.take("messages")
        self.batch.rows["messages"].append((message_id, self.id, author, body, internal, at))
        (self.internal_terms if internal else self.public_terms).append(texts.sentence_terms(body))
        self.event(EventKind.INTERNAL_NOTE if internal else EventKind.REPLY, at, author, not internal,
                   message_id=message_id)

    def move(self, action: str, source: Status, target: Status, actor: int | None, share: float,
             **extra: object) -> datetime:
        at = self.later(share)
        self.event(EventKind.STATUS_CHANGED, at, actor, True, action=action, **{"from": source.value},
                   to=target.value, **extra)
        return at

    def play(self) -> None:
        rng, status = self.rng, self.status
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        product, title, body = texts.request_text(rng, category, self.english)
        self.title, self.body, self.category, self.product = title, body, category, product
        urgent = rng.random() < 0.1
        self.priority = None if status == Status.SUBMITTED else PRIORITIES[rng.randrange(len(PRIORITIES))]
        provisional = self.priority or (Priority.P2 if urgent else Priority.P3)
        first_hours, resolution_hours = SLA_DEFAULTS[provisional]
        self.first_due = self.created + timedelta(hours=first_hours * WALL_PER_WORKING_HOUR)
        self.resolution_due = self.created + timedelta(hours=resolution_hours * WALL_PER_WORKING_HOUR)
        self.urgent = urgent
        self.event(EventKind.CREATED, self.created, self.submitter, True, reference=self.reference,
                   channel=self.channel.value, on_behalf=self.channel != Channel.WEB)
        if status == Status.SUBMITTED:
            self.assignee = self.assignee_name = None
        elif status in (Status.DECLINED, Status.WITHDRAWN) and rng.random() < 0.5:
            self.finish_early(Status.SUBMITTED)
            self.assignee = self.assignee_name = None
        else:
            self.work()
        self.write()

    def finish_early(self, source: Status) -> None:
        reason = texts.reason(self.rng)
        if self.status == Status.DECLINED:
            at = self.move("decline", source, Status.DECLINED, self.assignee, 0.3, reason=reason)
        else:
            at = self.move("withdraw", source, Status.WITHDRAWN, self.submitter, 0.3, reason=reason)
        self.fields["closed_at"] = at

    def work(self) -> None:
        rng, staff = self.rng, self.assignee
        at = self.move("triage", Status.SUBMITTED, Status.TRIAGED, staff, 0.05)
        self.event(EventKind.TRIAGED, at, staff, False, category=self.category.value,
                   priority=self.priority.value, lifecycle_stage=STAGES[0].value)  # type: ignore[union-attr]
        if rng.random() < 0.1 and self.status in (Status.TRIAGED, Status.EARLY_INTERVENTION):
            self.assignee = self.assignee_name = None
        else:
            self.event(EventKind.ASSIGNED, at, staff, False, previous=None, assignee=staff,
                       assignee_name=self.assignee_name)
        answered = self.later(0.05)
        self.fields["first_responded_at"] = answered
        self.message(texts.reply(rng, self.english), staff, False, answered)
        if rng.random() < 0.45:
            self.message(texts.note(rng, self.english), staff, True, self.later(0.05))
        if self.status in (Status.TRIAGED, Status.DECLINED, Status.WITHDRAWN):
            if self.status != Status.TRIAGED:
                self.finish_early(Status.TRIAGED)
            return
        working = Status.EARLY_INTERVENTION
        self.move("start_intervention", Status.TRIAGED, working, staff, 0.1)
        if self.status == Status.GUIDANCE or (self.enterprise.plan_id and rng.random() < 0.3
                                              and self.status != Status.EARLY_INTERVENTION):
            self.move("start_guidance", working, Status.GUIDANCE, staff, 0.1)
            working = Status.GUIDANCE
            self.fields["plan_id"] = self.enterprise.plan_id
        if self.status == Status.WAITING_ENTERPRISE or rng.random() < 0.2:
            at = self.move("request_info", working, Status.WAITING_ENTERPRISE, staff, 0.1)
            self.message(texts.reply(rng, self.english), staff, False, at)
            if self.status == Status.WAITING_ENTERPRISE:
                self.fields.update(waiting_since=at, resume_status=working.value)
                return
            at = self.move("enterprise_answers", Status.WAITING_ENTERPRISE, working, self.submitter, 0.1)
            self.message(texts.enterprise_reply(rng), self.submitter, False, at)
        if self.status in (Status.EARLY_INTERVENTION, Status.GUIDANCE):
            return
        resolved = self.move("resolve", working, Status.RESOLVED, staff, 0.2)
        self.fields.update(resolved_at=resolved, resolution_summary=texts.summary(rng), resume_status=working.value)
        if self.status == Status.CLOSED:
            self.close()

    def close(self) -> None:
        rng = self.rng
        if rng.random() < 0.8:
            rating = rng.choice((3, 4, 4, 5, 5, 5, 2, 5))
            at = self.move("confirm", Status.RESOLVED, Status.CLOSED, self.submitter, 0.1)
            self.event(EventKind.RATED, at, self.submitter, True, rating=rating)
            self.fields["rating"] = rating
        else:
            at = self.move("auto_close", Status.RESOLVED, Status.CLOSED, None, 0.1)
        self.fields["closed_at"] = at

    def write(self) -> None:
        teller, rng, f = self.t, self.rng, self.fields
        open_ = self.status not in (Status.CLOSED, Status.DECLINED, Status.WITHDRAWN, Status.RESOLVED)
        responded = f.get("first_responded_at")
        first_breached = (responded or teller.now) > self.first_due and (responded is not None or open_)
        finished = f.get("resolved_at") or f.get("closed_at")
        resolution_breached = (finished or teller.now) > self.resolution_due and (finished is not None or open_)
        escalated = open_ and self.status != Status.SUBMITTED and rng.random() < 0.04
        if escalated:
            self.escalate()
        if self.status not in (Status.SUBMITTED, Status.DECLINED, Status.WITHDRAWN) and rng.random() < 0.006:
            self.hotline()
        description_joiner = " " if self.english else ""
        field_code = FIELDS[rng.randrange(len(FIELDS))]
        self.batch.rows["requests"].append((
            self.id, self.reference, self.year, self.sequence, self.enterprise.id, self.submitter,
            self.channel.value, self.title, description_joiner.join(self.body),
            self.category.value, self.product, rng.choice((DeviceClass.II, DeviceClass.III)).value,
            (ProductType.IVD if field_code == ProductField.IVD_REAGENT else ProductType.ACTIVE).value,
            field_code.value, rng.random() < 0.15, STAGES[rng.randrange(len(STAGES))].value, self.urgent,
            self.priority.value if self.priority else None, self.status.value, f.get("resume_status"),
            self.enterprise.station_id, self.assignee, f.get("plan_id"), self.first_due, self.resolution_due,
            responded, f.get("waiting_since"), first_breached, resolution_breached, escalated,
            f.get("escalation_reason"), f.get("escalated_at"), f.get("resolution_summary"), f.get("resolved_at"),
            f.get("closed_at"), f.get("rating"), None, None, self.created, self.clock, 1))
        self.batch.documents.append((self.id, texts.sentence_terms(self.title),
                                     " ".join((texts.terms_of(self.body), *self.public_terms)),
                                     " ".join(self.internal_terms)))

    def escalate(self) -> None:
        teller, rng = self.t, self.rng
        at = self.later(0.05)
        reason = texts.note(rng, self.english)
        self.fields.update(escalation_reason=reason, escalated_at=at)
        self.event(EventKind.ESCALATED, at, self.assignee, False, reason=reason, by_sweep=False)
        if rng.random() < 0.6:
            directors = teller.world.directors.get(self.enterprise.station_id) or [teller.world.hub_director]
            director = directors[rng.randrange(len(directors))]
            instruction_id = teller.ids.take("instructions")
            body = "请尽快与企业沟通，一周内反馈进展。"
            acknowledged = at + timedelta(hours=6) if rng.random() < 0.5 and at + timedelta(hours=6) < teller.now \
                else None
            self.batch.rows["instructions"].append((instruction_id, self.id, director, self.assignee, body, at,
                                                    acknowledged, self.assignee if acknowledged else None))
            self.event(EventKind.INSTRUCTION, at, director, False, instruction_id=instruction_id, body=body)

    def hotline(self) -> None:
        teller, rng = self.t, self.rng
        hotline_id = teller.ids.take("hotline_sessions")
        requested = self.created + timedelta(hours=rng.uniform(1, 48))
        reason = "希望通过局长热线当面沟通注册申报中的卡脖子问题。"
        director = teller.world.hub_director
        open_ = self.status in (Status.TRIAGED, Status.EARLY_INTERVENTION, Status.GUIDANCE, Status.WAITING_ENTERPRISE)
        status = (rng.choice((HotlineStatus.REQUESTED, HotlineStatus.SCHEDULED)) if open_
                  else rng.choice((HotlineStatus.HELD, HotlineStatus.HELD, HotlineStatus.CANCELLED)))
        scheduled = None
        if status == HotlineStatus.SCHEDULED:
            scheduled = teller.now + timedelta(days=rng.uniform(0.5, 13))
        elif status != HotlineStatus.REQUESTED:
            scheduled = min(requested + timedelta(days=rng.uniform(1, 10)), teller.now - timedelta(hours=1))
        held = status == HotlineStatus.HELD
        self.batch.rows["hotline_sessions"].append((
            hotline_id, self.id, self.submitter, reason, "工作日下午", status.value,
            director if scheduled else None, scheduled, 45 if scheduled else None,
            f"https://meet.example.gov.cn/hotline/{hotline_id}" if scheduled else None,
            "会议纪要：企业介绍了产品进展，审评专家给出整改建议。" if held else None,
            "已明确下一步申报路径。" if held else None, "由分站一企一策跟进。" if held else None,
            "企业申请改期。" if status == HotlineStatus.CANCELLED else None, scheduled if held else None,
            requested, 1))
        self.event(EventKind.HOTLINE_REQUESTED, requested, self.submitter, True, hotline_id=hotline_id,
                   reason=reason, preferred_times="工作日下午")
        if held:
            self.batch.rows["follow_up_actions"].append((
                teller.ids.take("follow_up_actions"), hotline_id, "补充临床评价资料并提交分站审阅。",
                self.assignee or director, (scheduled + timedelta(days=14)).date().isoformat(),  # type: ignore[operator]
                scheduled if rng.random() < 0.6 else None))
            self.event(EventKind.HOTLINE_HELD, scheduled, director, True,  # type: ignore[arg-type]
                       hotline_id=hotline_id, summary="已明确下一步申报路径。")
