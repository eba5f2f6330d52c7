"""Extensions (延期申请): the assignee asks for a new date with a reason; the head of the station approves or
refuses it (beyond the allowed number, only the provincial director); an approval moves the promised date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, ValidationError
from service.models import (
    Event,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    ServiceRequest,
    Status,
)
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension
from service.queries.supervision import pending_extensions
from service.queries.timeline import timeline
from service.rules import policy
from service.rules.extensions import ExtensionAction
from service.rules.policy import PolicyAction
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, triaged

# Friday 2026-04-10, after the triaged request's resolution due time.
NEW_DATE = date(2026, 4, 10)


def _ask(
    session: Session, people: People, settings: DeskSettings, request: ServiceRequest, day: date = NEW_DATE
) -> ExtensionRequest:
    return ask_extension(
        session,
        people.staff,
        request.id,
        request.version,
        ExtensionAsk(day, "需等待型式检验报告", "检验所排期紧张"),
        settings=settings,
        now=TUESDAY_10,
    )


def _request(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    return session.get_one(ServiceRequest, request_id)


def test_the_head_approves_and_the_promised_date_moves_for_the_enterprise(
    session: Session, people: People, settings
) -> None:
    request = triaged(session, people, settings)
    before = request.resolution_due_at
    extension = _ask(session, people, settings, request)
    request = _request(session, request.id)
    assert request.extension_pending and extension.status == ExtensionStatus.PENDING
    assert not policy.may(people.staff, PolicyAction.REQUEST_ASK_EXTENSION, request)  # one at a time
    assert not policy.may(people.staff, PolicyAction.EXTENSION_DECIDE, extension)
    assert not policy.may(people.other_director, PolicyAction.EXTENSION_DECIDE, extension)
    assert policy.may(people.director, PolicyAction.EXTENSION_DECIDE, extension)
    request.resolution_breached = True
    session.commit()

    decide_extension(
        session,
        people.director,
        request.id,
        request.version,
        ExtensionAction.APPROVE,
        "同意",
        now=TUESDAY_10,
        settings=settings,
    )
    request = _request(session, request.id)
    # 17:00 Shanghai on the new date.
    assert request.resolution_due_at == extension.new_due_at and request.resolution_due_at.hour == 9
    assert request.resolution_due_at > before
    assert not request.resolution_breached and not request.extension_pending
    assert (request.extension_count, request.extension_reason) == (1, "需等待型式检验报告")
    # The enterprise reads the approval and its public reason, never the internal note.
    entries = timeline(session, people.owner, request)
    approved = [e for e in entries if e.event.kind == EventKind.EXTENSION_APPROVED]
    assert approved and approved[0].event.data["reason"] == "需等待型式检验报告"
    assert not any(e.event.kind == EventKind.EXTENSION_ASKED for e in entries)
    told = {
        n.user_id: n.data
        for n in session.scalars(
            select(Notification).where(
                Notification.request_id == request.id, Notification.kind == EventKind.EXTENSION_APPROVED
            )
        )
    }
    assert {people.owner.id, people.staff.id} <= set(told)
    # The officer reads the new date in the inbox.
    assert told[people.staff.id] == {"new_due_at": extension.new_due_at.isoformat()}


def test_a_refusal_needs_a_comment_and_leaves_the_date(session: Session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    before = request.resolution_due_at
    _ask(session, people, settings, request)
    request = _request(session, request.id)
    with pytest.raises(ValidationError):
        decide_extension(
            session, people.director, request.id, request.version, ExtensionAction.REFUSE, " ", settings=settings
        )
    decide_extension(
        session, people.director, request.id, request.version, ExtensionAction.REFUSE, "材料可先补", settings=settings
    )
    request = _request(session, request.id)
    assert request.resolution_due_at == before and request.extension_count == 0 and not request.extension_pending
    assert session.scalars(select(ExtensionRequest.status)).all()[-1] == ExtensionStatus.REFUSED
    # The officer reads why in the inbox.
    refusal = select(Notification.data).where(
        Notification.user_id == people.staff.id, Notification.kind == EventKind.EXTENSION_REFUSED
    )
    assert session.scalars(refusal).one() == {"comment": "材料可先补"}
    with pytest.raises(InvalidTransition):
        decide_extension(
            session, people.director, request.id, request.version, ExtensionAction.APPROVE, settings=settings
        )


def test_the_asker_may_withdraw_and_ask_again(session: Session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    _ask(session, people, settings, request)
    request = _request(session, request.id)
    with pytest.raises(Forbidden):
        decide_extension(
            session, people.staff2, request.id, request.version, ExtensionAction.WITHDRAW, settings=settings
        )
    decide_extension(session, people.staff, request.id, request.version, ExtensionAction.WITHDRAW, settings=settings)
    request = _request(session, request.id)
    assert policy.may(people.staff, PolicyAction.REQUEST_ASK_EXTENSION, request)


def test_bad_dates_and_missing_reasons_are_refused_and_nothing_changes(
    session: Session, people: People, settings
) -> None:
    request = triaged(session, people, settings)
    for ask, field in (
        (ExtensionAsk(None, "理由"), "new_due_date"),
        (ExtensionAsk(date(2026, 3, 11), "理由"), "new_due_date"),
        (ExtensionAsk(NEW_DATE, "  "), "public_reason"),
    ):
        with pytest.raises(ValidationError) as refused:
            ask_extension(session, people.staff, request.id, request.version, ask, settings=settings, now=TUESDAY_10)
        assert field in refused.value.fields
    assert not _request(session, request.id).extension_pending
    assert session.scalars(select(ExtensionRequest)).all() == []


def test_only_the_assignee_asks_and_a_stale_page_gets_the_conflict(session: Session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    with pytest.raises(Forbidden):
        ask_extension(
            session, people.staff2, request.id, request.version, ExtensionAsk(NEW_DATE, "理由"), settings=settings
        )
    seen = request.version
    _ask(session, people, settings, request)
    with pytest.raises(Conflict):
        ask_extension(session, people.staff, request.id, seen, ExtensionAsk(NEW_DATE, "再来"), settings=settings)
    request = _request(session, request.id)
    with pytest.raises(Conflict):
        decide_extension(session, people.director, request.id, seen, ExtensionAction.APPROVE, settings=settings)
    assert _request(session, request.id).extension_pending


def test_beyond_the_allowed_extensions_only_the_provincial_director_decides(
    session: Session, people: People, settings
) -> None:
    settings = replace(settings, max_extensions=1)
    request = triaged(session, people, settings)
    _ask(session, people, settings, request)
    request = _request(session, request.id)
    decide_extension(session, people.director, request.id, request.version, ExtensionAction.APPROVE, settings=settings)
    request = _request(session, request.id)
    second = _ask(session, people, settings, request, NEW_DATE + timedelta(days=14))
    assert second.needs_provincial
    assert [e.id for e in pending_extensions(session, people.director)] == []
    assert [e.id for e in pending_extensions(session, people.hub_director)] == [second.id]
    request = _request(session, request.id)
    with pytest.raises(Forbidden):
        decide_extension(
            session, people.director, request.id, request.version, ExtensionAction.APPROVE, settings=settings
        )
    decide_extension(
        session, people.hub_director, request.id, request.version, ExtensionAction.APPROVE, "特批", settings=settings
    )
    request = _request(session, request.id)
    assert request.extension_count == 2 and request.resolution_due_at == second.new_due_at


def test_heads_see_the_extensions_waiting_for_them(session: Session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    extension = _ask(session, people, settings, request)
    assert [e.id for e in pending_extensions(session, people.director)] == [extension.id]
    assert pending_extensions(session, people.other_director) == []
    assert pending_extensions(session, people.staff) == []
    asked = session.scalars(select(Event).where(Event.kind == EventKind.EXTENSION_ASKED)).one()
    assert not asked.public
    told = session.scalars(select(Notification.user_id).where(Notification.kind == EventKind.EXTENSION_ASKED)).all()
    assert told == [people.director.id]


def test_a_closed_request_is_not_extended(session: Session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    request.status = Status.CLOSED
    session.commit()
    assert not policy.may(people.staff, PolicyAction.REQUEST_ASK_EXTENSION, request)
