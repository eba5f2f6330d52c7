"""Submitting, triage, assignment, transfer, replies and the notifications they send."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.errors import Forbidden, NotFound, ValidationError
from service.models import Channel, Event, EventKind, Notification, Priority, Role, Status
from service.operations import escalation, notifications
from service.operations.requests import (
    add_message,
    assign_request,
    submit_request,
    transfer_request,
    triage_request,
)
from service.operations.sla import sweep
from service.queries.timeline import awaiting
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, draft, in_status, submit


def notified(session, request, kind: EventKind) -> set[int]:
    return set(
        session.scalars(
            select(Notification.user_id).where(Notification.request_id == request.id, Notification.kind == kind)
        )
    )


def test_an_enterprise_submits_to_its_home_station_and_the_station_hears(session, people: People, settings) -> None:
    request = submit(session, people, settings, urgent=True, product_name="AI软件")
    assert request.station_id == people.enterprise.station_id and request.status == Status.SUBMITTED
    assert (request.submitter_id, request.channel, request.urgent) == (people.owner.id, Channel.WEB, True)
    assert notified(session, request, EventKind.CREATED) == {people.staff.id, people.staff2.id, people.director.id}
    [created] = session.scalars(select(Event).where(Event.request_id == request.id, Event.kind == EventKind.CREATED))
    assert created.public and created.actor_id == people.owner.id
    assert awaiting(request) == "Awaiting triage by the station"


def test_an_enterprise_cannot_pick_another_enterprise_or_a_desk_channel(session, people: People, settings) -> None:
    other = factories.enterprise(session, "JL-CCND")
    with pytest.raises(ValidationError):
        submit_request(session, people.owner, draft(), settings=settings, enterprise_id=other.id)
    with pytest.raises(ValidationError):
        submit_request(session, people.owner, draft(channel=Channel.ON_SITE), settings=settings)


def test_staff_open_a_request_on_behalf_of_an_enterprise_of_their_station(session, people: People, settings) -> None:
    request = submit_request(
        session,
        people.staff,
        draft(channel=Channel.PHONE),
        settings=settings,
        enterprise_id=people.enterprise.id,
        now=TUESDAY_10,
    )
    assert (request.enterprise_id, request.submitter_id, request.channel) == (
        people.enterprise.id,
        people.staff.id,
        Channel.PHONE,
    )
    assert notified(session, request, EventKind.CREATED) == {
        people.owner.id,
        people.colleague.id,
        people.staff2.id,
        people.director.id,
    }
    with pytest.raises(NotFound):
        submit_request(session, people.other_staff, draft(), settings=settings, enterprise_id=people.enterprise.id)
    with pytest.raises(ValidationError):
        submit_request(session, people.staff, draft(), settings=settings)
    with pytest.raises(Forbidden):
        submit_request(session, people.admin, draft(), settings=settings, enterprise_id=people.enterprise.id)


def test_required_fields_are_named(session, people: People, settings) -> None:
    with pytest.raises(ValidationError) as refused:
        submit(session, people, settings, title=" ", description="", product_name="长" * 201)
    assert set(refused.value.fields) == {"title", "description", "product_name"}


def test_triage_sets_priority_and_assignee_and_tells_them(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    request = triage_request(
        session,
        people.director,
        request.id,
        request.version,
        category=request.category,
        priority=Priority.P2,
        lifecycle_stage=request.lifecycle_stage,
        assignee_id=people.staff2.id,
        settings=settings,
        now=TUESDAY_10,
    )
    assert (request.status, request.priority, request.assignee_id) == (Status.TRIAGED, Priority.P2, people.staff2.id)
    assert notified(session, request, EventKind.ASSIGNED) == {people.staff2.id}
    assert notified(session, request, EventKind.STATUS_CHANGED) == {people.owner.id, people.colleague.id}
    kinds = set(session.scalars(select(Event.kind).where(Event.request_id == request.id)))
    assert {EventKind.TRIAGED, EventKind.ASSIGNED, EventKind.STATUS_CHANGED} <= kinds


@pytest.mark.parametrize("who", ["other_staff", "owner", "admin", "staff2"])
def test_assignees_must_be_active_desk_users_covering_the_station(session, people: People, settings, who) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    assignee = getattr(people, who)
    if who == "staff2":
        assignee.active = False
        session.commit()
    with pytest.raises(ValidationError) as refused:
        assign_request(session, people.staff, request.id, request.version, assignee.id, settings=settings)
    assert "assignee_id" in refused.value.fields


def test_hub_staff_may_be_assigned_and_unassigned(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    request = assign_request(session, people.staff, request.id, request.version, people.hub_staff.id, settings=settings)
    assert request.assignee_id == people.hub_staff.id
    request = assign_request(session, people.staff, request.id, request.version, None, settings=settings)
    assert request.assignee_id is None


def test_enterprises_cannot_triage_or_transfer(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    with pytest.raises(Forbidden):
        triage_request(
            session,
            people.owner,
            request.id,
            request.version,
            category=request.category,
            priority=Priority.P1,
            lifecycle_stage=request.lifecycle_stage,
            assignee_id=None,
            settings=settings,
        )
    with pytest.raises(Forbidden):
        transfer_request(
            session,
            people.owner,
            request.id,
            request.version,
            factories.station(session, "JL-TH").id,
            "自己转",
            settings=settings,
        )


def test_transfer_needs_a_reason_and_tells_the_new_station(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    tonghua = factories.station(session, "JL-TH")
    with pytest.raises(ValidationError):
        transfer_request(session, people.staff, request.id, request.version, tonghua.id, "  ", settings=settings)
    with pytest.raises(ValidationError):
        transfer_request(
            session, people.staff, request.id, request.version, request.station_id, "原站", settings=settings
        )
    moved = transfer_request(
        session, people.staff, request.id, request.version, tonghua.id, "企业迁至通化", settings=settings
    )
    assert moved.station_id == tonghua.id and moved.assignee_id is None
    assert notified(session, moved, EventKind.TRANSFERRED) == {people.other_staff.id, people.other_director.id}
    [transferred] = session.scalars(
        select(Event).where(Event.request_id == moved.id, Event.kind == EventKind.TRANSFERRED)
    )
    assert not transferred.public and transferred.data["reason"] == "企业迁至通化"
    with pytest.raises(NotFound):  # it left the old station's scope
        add_message(session, people.staff, moved.id, "还在吗", settings=settings)


def test_replies_set_the_first_response_and_notify_the_other_side(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    assert request.first_responded_at is None
    add_message(session, people.staff2, request.id, "内部：先查资料", internal=True, settings=settings, now=TUESDAY_10)
    session.refresh(request)
    assert request.first_responded_at is None  # a note is not an answer to the enterprise
    assert notified(session, request, EventKind.INTERNAL_NOTE) == {people.staff.id}
    add_message(session, people.staff, request.id, "您好，已收到", settings=settings, now=TUESDAY_10)
    session.refresh(request)
    assert request.first_responded_at == TUESDAY_10
    assert notified(session, request, EventKind.REPLY) == {people.owner.id, people.colleague.id}
    add_message(session, people.colleague, request.id, "谢谢", settings=settings)
    assert notified(session, request, EventKind.REPLY) == {people.owner.id, people.colleague.id, people.staff.id}
    with pytest.raises(ValidationError):
        add_message(session, people.owner, request.id, "   ", settings=settings)


def test_escalation_is_a_flag_for_the_directors(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.EARLY_INTERVENTION)
    with pytest.raises(Forbidden):
        escalation.escalate_request(session, people.owner, request.id, "催办")
    escalated = escalation.escalate_request(session, people.staff, request.id, "涉及跨部门协调")
    assert escalated.escalated and escalated.status == Status.EARLY_INTERVENTION
    assert notified(session, request, EventKind.ESCALATED) == {people.director.id}
    with pytest.raises(Forbidden):
        escalation.de_escalate_request(session, people.staff, request.id, "已解决")
    with pytest.raises(NotFound):
        escalation.de_escalate_request(session, factories.user(session, Role.DIRECTOR, "JL-TH"), request.id, "越权")
    lowered = escalation.de_escalate_request(session, people.hub_director, request.id, "已协调")
    assert not lowered.escalated and lowered.escalation_reason is None


def test_the_inbox_counts_lists_and_marks_read(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    assert notifications.unread_count(session, people.staff) == 1
    [note] = notifications.list_notifications(session, people.staff)
    assert note.request.id == request.id
    with pytest.raises(NotFound):
        notifications.mark_read(session, people.staff2, note.id)
    notifications.mark_read(session, people.staff, note.id)
    assert notifications.unread_count(session, people.staff) == 0
    assert notifications.unread_count(session, people.staff2) == 1
    notifications.mark_all_read(session, people.staff2)
    assert notifications.unread_count(session, people.staff2) == 0


def test_the_inbox_hides_requests_that_left_the_readers_scope(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    transfer_request(
        session,
        people.director,
        request.id,
        request.version,
        factories.station(session, "JL-TH").id,
        "属地调整",
        settings=settings,
    )
    assert notifications.unread_count(session, people.staff) == 0
    assert notifications.list_notifications(session, people.staff) == []


def test_an_enterprise_reply_on_a_resolved_request_reopens_it(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.RESOLVED)
    add_message(
        session,
        people.owner,
        request.id,
        "问题仍然存在，请再看看",
        settings=settings,
        now=TUESDAY_10 + timedelta(days=2),
    )
    session.refresh(request)
    assert request.status == Status.TRIAGED and request.resolved_at is None
    [reopening] = [
        e
        for e in session.scalars(
            select(Event).where(Event.request_id == request.id, Event.kind == EventKind.STATUS_CHANGED)
        )
        if e.data["action"] == "reopen"
    ]
    assert reopening.actor_id == people.owner.id and reopening.data["reason"] == "问题仍然存在，请再看看"
    told = session.scalars(
        select(Notification.user_id).where(Notification.request_id == request.id, Notification.kind == EventKind.REPLY)
    ).all()
    assert people.staff.id in told


def test_a_reply_past_the_reopen_window_waits_for_the_officer_instead_of_closing_unseen(
    session, people: People, settings
) -> None:
    settings = replace(settings, reopen_window_days=3)  # shorter than the auto-close: REOPEN is no longer allowed
    request = in_status(session, people, settings, Status.RESOLVED)
    add_message(
        session, people.owner, request.id, "还有一个问题", settings=settings, now=TUESDAY_10 + timedelta(days=4)
    )
    session.refresh(request)
    assert request.status == Status.RESOLVED
    assert (
        people.staff.id
        in session.scalars(
            select(Notification.user_id).where(
                Notification.request_id == request.id, Notification.kind == EventKind.REPLY
            )
        ).all()
    )
    later = TUESDAY_10 + timedelta(days=settings.auto_close_days + 1)
    assert sweep(session, settings=settings, now=later).auto_closed == 0
    add_message(session, people.staff, request.id, "已答复您的问题", settings=settings, now=later)
    assert sweep(session, settings=settings, now=later + timedelta(minutes=1)).auto_closed == 1
