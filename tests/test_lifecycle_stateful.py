"""Random actions by random people on a few requests; the lifecycle's invariants hold after every step."""
from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from service.errors import DomainError
from service.models import Event, EventKind, Message, Priority, ServiceRequest, Status
from service.operations import escalation, sla
from service.operations.requests import add_message, take_action, transfer_request, triage_request
from service.queries.timeline import timeline
from service.rules import lifecycle
from tests import factories
from tests.request_helpers import TUESDAY_10, People, active_plan, people, settings, submit  # noqa: F401

ROLES = ("owner", "other_enterprise", "staff", "other_staff", "hub_staff", "director")
BUTTONS = [t.action for t in lifecycle.TRANSITIONS.values() if t.button]
MOVES = [*BUTTONS, "triage", "triage", "reply", "reply", "note", "transfer", "escalate", "de_escalate"]
_notes = itertools.count(1)


class RequestMachine(RuleBasedStateMachine):
    def __init__(self, session, people: People, settings) -> None:
        super().__init__()
        self.session, self.people, self.settings = session, people, settings
        self.ids: list[int] = []
        self.notes: list[str] = []
        self.now = TUESDAY_10

    @initialize()
    def create_requests(self) -> None:
        plan = active_plan(self.session, self.people)
        for urgent in (False, True):
            request = submit(self.session, self.people, self.settings, self.now, urgent=urgent)
            request.plan_id = plan.id  # so that guidance is sometimes possible
            self.session.commit()
            self.ids.append(request.id)

    def _fresh(self, index: int) -> ServiceRequest:
        self.session.expire_all()
        return self.session.get(ServiceRequest, self.ids[index])

    def _state(self, request_id: int) -> tuple:
        self.session.expire_all()
        request = self.session.get(ServiceRequest, request_id)
        events = self.session.scalar(select(func.count(Event.id)).where(Event.request_id == request_id))
        messages = self.session.scalar(select(func.count(Message.id)).where(Message.request_id == request_id))
        return (request.status, request.version, request.station_id, request.assignee_id, request.escalated,
                request.waiting_since, request.first_responded_at, events, messages)

    def _step(self, index: int, hours: int, operation) -> None:  # type: ignore[no-untyped-def]
        """Run one operation; on a domain error nothing may change, on success the change has its events."""
        self.now += timedelta(hours=hours)
        request_id = self.ids[index]
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
            last = self.session.scalars(select(Event).where(Event.request_id == request_id,
                                                            Event.kind == EventKind.STATUS_CHANGED)
                                        .order_by(Event.id.desc()).limit(1)).one()
            assert last.data["to"] == after[0].value and last.data["from"] == before[0].value

    # One rule for every move, so that a run spends its steps on the request rather than on rule choice;
    # biased towards the side the table expects and complete inputs, so that runs travel the whole
    # lifecycle instead of bouncing off refusals.
    @rule(index=st.integers(0, 1), move=st.sampled_from(MOVES), who=st.sampled_from(("expected",) + ROLES),
          complete=st.integers(0, 3), stale=st.integers(0, 7), hours=st.integers(0, 40))
    def move(self, index, move, who, complete, stale, hours) -> None:  # type: ignore[no-untyped-def]
        if who == "expected":
            enterprise_side = isinstance(move, lifecycle.Action) and \
                lifecycle.TRANSITIONS[move].roles == lifecycle.ENTERPRISE
            who = "owner" if enterprise_side or move == "reply" else "hub_staff"
        actor = getattr(self.people, who)
        request = self._fresh(index)
        if isinstance(move, lifecycle.Action):
            inputs = dict(reason="原因", summary="处理意见", message="请补充", rating=3) if complete else {}
            operation = lambda rid, version: take_action(  # noqa: E731
                self.session, actor, rid, version - (stale == 0), move, settings=self.settings, now=self.now,
                **inputs)
        elif move in ("reply", "note"):
            body = f"内部备注-{next(_notes)}" if move == "note" else "公开答复"
            if move == "note":
                self.notes.append(body)
            operation = lambda rid, _version: add_message(  # noqa: E731
                self.session, actor, rid, body, internal=move == "note", settings=self.settings, now=self.now)
        elif move == "triage":
            operation = lambda rid, version: triage_request(  # noqa: E731
                self.session, actor, rid, version, category=request.category,
                priority=list(Priority)[complete], lifecycle_stage=request.lifecycle_stage,
                assignee_id=actor.id if stale % 2 else None, settings=self.settings, now=self.now)
        elif move == "transfer":
            target = factories.station(self.session, "JL-TH" if request.station.code == "JL-CCND" else "JL-CCND")
            operation = lambda rid, version: transfer_request(  # noqa: E731
                self.session, actor, rid, version, target.id, "辖区调整", now=self.now)
        elif move == "escalate":
            operation = lambda rid, _v: escalation.escalate_request(  # noqa: E731
                self.session, actor, rid, "请关注", now=self.now)
        else:
            operation = lambda rid, _v: escalation.de_escalate_request(  # noqa: E731
                self.session, actor, rid, "已协调", now=self.now)
        self._step(index, hours, operation)

    @rule(days=st.integers(0, 10))
    def sweep(self, days) -> None:  # type: ignore[no-untyped-def]
        self.now += timedelta(days=days)
        sla.sweep(self.session, settings=self.settings, now=self.now)

    @invariant()
    def lifecycle_invariants(self) -> None:
        for request_id in self.ids:
            self.session.expire_all()
            request = self.session.get(ServiceRequest, request_id)
            if request.status == Status.CLOSED:
                assert request.resolution_summary, "closed without a resolution"
            assert (request.waiting_since is not None) == (request.status == Status.WAITING_ENTERPRISE), \
                "the SLA clock is stopped on a request that is not waiting (or running on one that is)"
            seen = timeline(self.session, self.people.owner, request)
            assert not any(entry.internal for entry in seen)
            shown = " ".join(entry.message.body for entry in seen if entry.message) + " ".join(
                str(entry.event.data) for entry in seen if entry.event)
            assert not any(note in shown for note in self.notes), "an internal note reached the enterprise"
            for message in self.session.scalars(select(Message).where(Message.request_id == request_id)):
                kind = EventKind.INTERNAL_NOTE if message.internal else EventKind.REPLY
                assert self.session.scalar(select(func.count(Event.id)).where(
                    Event.request_id == request_id, Event.kind == kind)) >= 1


def test_random_actions_keep_the_lifecycle_invariants(session, people: People, settings) -> None:
    run_state_machine_as_test(
        lambda: RequestMachine(session, people, settings),
        settings=hypothesis_settings(max_examples=30, stateful_step_count=25, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow]),
    )
