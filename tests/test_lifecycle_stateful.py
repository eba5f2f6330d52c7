"""Random actions by random people on a few requests; the lifecycle's invariants hold after every step."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from service.errors import DomainError
from service.models import Event, EventKind, Message, Priority, ServiceRequest, Status
from service.operations import escalation, sla
from service.operations.requests import add_message, take_action, transfer_request, triage_request
from service.queries.timeline import timeline
from service.rules import lifecycle
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, active_plan, submit

pytestmark = pytest.mark.slow  # Hypothesis runs many whole request lifecycles

ROLES = ("owner", "other_enterprise", "staff", "other_staff", "hub_staff", "director")
BUTTONS = [t.action for t in lifecycle.TRANSITIONS.values() if t.button]
MOVES = [*BUTTONS, "triage", "reply", "note", "transfer", "escalate", "de_escalate", "sweep"]
A = lifecycle.Action
FORWARD = [
    "triage",
    A.START_INTERVENTION,
    A.REQUEST_INFO,
    "reply",
    A.START_GUIDANCE,
    A.RESOLVE,
    A.CONFIRM,
    A.REOPEN,
    A.WITHDRAW,
    A.DECLINE,
]
_notes = itertools.count(1)


class RequestMachine(RuleBasedStateMachine):
    def __init__(self, session, people: People, settings) -> None:
        super().__init__()
        self.session, self.people, self.settings = session, people, settings
        self.ids: list[int] = []
        self.touched: set[int] = set()
        self.notes: list[str] = []
        self.now = TUESDAY_10

    def _new_request(self, urgent: bool) -> int:
        request = submit(self.session, self.people, self.settings, self.now, urgent=urgent)
        request.plan_id = active_plan(self.session, self.people).id  # so that guidance is possible
        self.session.commit()
        self.touched.add(request.id)
        return request.id

    @initialize()
    def create_requests(self) -> None:
        self.ids = [self._new_request(urgent=False), self._new_request(urgent=True)]

    # No expire_all() needed: the operations share this session, commit without expiring, and a
    # rolled-back operation expires what it touched, so the identity map matches the database.
    def _fresh(self, index: int) -> ServiceRequest:
        return self.session.get(ServiceRequest, self.ids[index])

    def _state(self, request_id: int) -> tuple:
        request = self.session.get(ServiceRequest, request_id)
        # Every message writes an event, so the event count also stands for the messages.
        events = self.session.scalar(select(func.count(Event.id)).where(Event.request_id == request_id))
        return (
            request.status,
            request.version,
            request.station_id,
            request.assignee_id,
            request.escalated,
            request.waiting_since,
            request.first_responded_at,
            events,
        )

    def _step(self, index: int, hours: int, operation) -> None:  # type: ignore[no-untyped-def]
        """Run one operation; on a domain error nothing may change, on success the change has its events."""
        self.now += timedelta(hours=hours)
        request_id = self.ids[index]
        self.touched.add(request_id)
        before = self._state(request_id)
        try:
            operation(request_id, self._fresh(index).version)
        except DomainError:
            assert self._state(request_id) == before, "a refused step changed the request"
            return
        after = self._state(request_id)
        if after[:7] != before[:7]:
            assert after[7] > before[7], "a change without an event"
        if after[0] != before[0]:
            last = self.session.scalars(
                select(Event)
                .where(Event.request_id == request_id, Event.kind == EventKind.STATUS_CHANGED)
                .order_by(Event.id.desc())
                .limit(1)
            ).one()
            assert last.data["to"] == after[0].value and last.data["from"] == before[0].value

    # One rule for every move, so that runs spend their steps on the requests. Hypothesis favours the
    # first choices, so those are the forward moves of the current state by the side the table expects
    # with complete inputs; "chaos" draws any move by anyone, often refused.
    @rule(
        index=st.integers(0, 1),
        data=st.data(),
        chaos=st.integers(0, 3),
        who=st.sampled_from(ROLES),
        stale=st.integers(0, 7),
        hours=st.integers(0, 40),
    )
    def move(self, index, data, chaos, who, stale, hours) -> None:  # type: ignore[no-untyped-def]
        request = self._fresh(index)
        if request.status in (Status.CLOSED, Status.DECLINED, Status.WITHDRAWN) and chaos < 2:
            self.ids[index] = self._new_request(urgent=bool(index))  # keep two live requests in play
            return
        forward = [m for m in FORWARD if m in self._possible(request)]
        move = data.draw(st.sampled_from(MOVES if chaos == 3 or not forward else forward), label="move")
        if chaos < 3:
            enterprise_side = move == "reply" or (
                isinstance(move, lifecycle.Action) and lifecycle.TRANSITIONS[move].roles == lifecycle.ENTERPRISE
            )
            who = "owner" if enterprise_side else "hub_staff"
        self._step(
            index,
            hours,
            self._operation(
                move, getattr(self.people, who), request, complete=chaos < 3, stale=stale == 7, choice=stale
            ),
        )

    @staticmethod
    def _possible(request: ServiceRequest) -> set[object]:
        possible: set[object] = {
            t.action for t in lifecycle.TRANSITIONS.values() if t.button and request.status in t.sources
        }
        if request.status == Status.SUBMITTED:
            possible.add("triage")
        if request.status == Status.WAITING_ENTERPRISE:
            possible.add("reply")
        return possible

    def _operation(self, move, actor, request, *, complete: bool, stale: bool, choice: int):  # type: ignore[no-untyped-def]
        session, now = self.session, self.now
        if move == "sweep":
            self.touched.update(self.ids)
            return lambda _rid, _version: sla.sweep(session, settings=self.settings, now=now + timedelta(days=choice))
        if isinstance(move, lifecycle.Action):
            inputs = dict(reason="原因", summary="处理意见", message="请补充", rating=3) if complete else {}
            return lambda rid, version: take_action(
                session, actor, rid, version - stale, move, settings=self.settings, now=now, **inputs
            )
        if move in ("reply", "note"):
            body = f"内部备注-{next(_notes)}" if move == "note" else "公开答复"
            if move == "note":
                self.notes.append(body)
            return lambda rid, _version: add_message(
                session, actor, rid, body, internal=move == "note", settings=self.settings, now=now
            )
        if move == "triage":
            return lambda rid, version: triage_request(
                session,
                actor,
                rid,
                version,
                category=request.category,
                priority=list(Priority)[choice % 4],
                lifecycle_stage=request.lifecycle_stage,
                assignee_id=actor.id if choice % 2 else None,
                settings=self.settings,
                now=now,
            )
        if move == "transfer":
            target = factories.station(session, "JL-TH" if request.station.code == "JL-CCND" else "JL-CCND")
            return lambda rid, version: transfer_request(
                session, actor, rid, version, target.id, "辖区调整", settings=self.settings, now=now
            )
        if move == "escalate":
            return lambda rid, _version: escalation.escalate_request(session, actor, rid, "请关注", now=now)
        return lambda rid, _version: escalation.de_escalate_request(session, actor, rid, "已协调", now=now)

    @invariant()
    def lifecycle_invariants(self) -> None:
        # Only the requests a step touched can have changed (a sweep touches all).
        for request_id in self.touched & set(self.ids):
            request = self.session.get(ServiceRequest, request_id)
            if request.status == Status.CLOSED:
                assert request.resolution_summary, "closed without a resolution"
            assert (request.waiting_since is not None) == (request.status == Status.WAITING_ENTERPRISE), (
                "the SLA clock is stopped on a request that is not waiting (or running on one that is)"
            )
            seen = timeline(self.session, self.people.owner, request)
            assert not any(entry.internal for entry in seen)
            shown = " ".join(entry.message.body for entry in seen if entry.message) + " ".join(
                str(entry.event.data) for entry in seen if entry.event
            )
            assert not any(note in shown for note in self.notes), "an internal note reached the enterprise"
            messages = self.session.scalar(select(func.count(Message.id)).where(Message.request_id == request_id))
            message_events = self.session.scalar(
                select(func.count(Event.id)).where(
                    Event.request_id == request_id, Event.kind.in_([EventKind.REPLY, EventKind.INTERNAL_NOTE])
                )
            )
            assert message_events == messages, "a message without its event"
        self.touched.clear()


def test_random_actions_keep_the_lifecycle_invariants(session, people: People, settings) -> None:
    run_state_machine_as_test(
        lambda: RequestMachine(session, people, settings),
        settings=hypothesis_settings(
            max_examples=20, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
