"""Nothing leaks: requests, timelines, attachments and queues answer only within the actor's scope."""

from __future__ import annotations

import pytest

from service.errors import NotFound
from service.models import Role, ServiceRequest, Status
from service.operations.attachments import Upload
from service.operations.requests import add_message, get_request, submit_request
from service.queries.requests import QueueFilters, queue_page
from service.queries.timeline import timeline
from tests import factories
from tests.factories import People
from tests.request_helpers import PDF, draft, in_status, selects_issued, submit


def test_outsiders_get_not_found_for_the_request_and_its_timeline(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    tonghua_director = factories.user(session, Role.DIRECTOR, "JL-TH")
    for outsider in (people.other_enterprise, people.other_staff, tonghua_director):
        with pytest.raises(NotFound):
            get_request(session, outsider, request.id)
        with pytest.raises(NotFound):
            timeline(session, outsider, request)
        with pytest.raises(NotFound):
            add_message(session, outsider, request.id, "探测", settings=settings)
    for insider in (
        people.owner,
        people.colleague,
        people.staff,
        people.director,
        people.hub_staff,
        people.hub_director,
        people.admin,
    ):
        assert get_request(session, insider, request.id).id == request.id


def test_unknown_ids_answer_like_foreign_ones(session, people: People) -> None:
    with pytest.raises(NotFound):
        get_request(session, people.staff, 10**9)


def test_queues_list_only_what_the_actor_may_open(session, people: People, settings) -> None:
    ours = submit(session, people, settings)
    other_enterprise = factories.enterprise(session, "JL-TH")
    other_owner = factories.user(session, Role.ENTERPRISE, enterprise_=other_enterprise)
    theirs = submit_request(session, other_owner, draft(title="通化企业的请求"), settings=settings)

    def ids(actor):  # type: ignore[no-untyped-def]
        return {r.id for r in queue_page(session, actor, QueueFilters(queue="all"), cursor=None, limit=200).items}

    assert ours.id in ids(people.owner) and theirs.id not in ids(people.owner)
    assert ours.id in ids(people.staff) and theirs.id not in ids(people.staff)
    assert theirs.id in ids(people.other_staff) and ours.id not in ids(people.other_staff)
    assert {ours.id, theirs.id} <= ids(people.hub_staff)
    assert {ours.id, theirs.id} <= ids(people.hub_director)
    assert not ids(people.other_enterprise) & {ours.id, theirs.id}


def test_internal_notes_and_their_files_never_reach_the_enterprise(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    add_message(
        session,
        people.staff,
        request.id,
        "企业资料存在造假嫌疑，内部核实",
        internal=True,
        uploads=(Upload("核查.pdf", "", PDF),),
        settings=settings,
    )
    add_message(session, people.staff, request.id, "请补充检验报告", settings=settings)
    seen = timeline(session, people.owner, request)
    assert [e.message.body for e in seen if e.message] == ["请补充检验报告"]
    assert all(not e.internal for e in seen)
    assert all(not a.internal for e in seen for a in e.attachments)
    assert all(e.event.public for e in seen if e.event)
    desk = timeline(session, people.staff, request)
    assert "企业资料存在造假嫌疑，内部核实" in [e.message.body for e in desk if e.message]
    assert any(e.event and e.event.kind == "triaged" for e in desk)
    internal_files = [a for e in desk if e.message and e.message.internal for a in e.attachments]
    assert [a.original_name for a in internal_files] == ["核查.pdf"]


def test_the_timeline_costs_the_same_whoever_wrote_in_it(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    for author in (people.staff, people.owner, people.staff2, people.colleague, people.director):
        add_message(session, author, request.id, "往来答复", uploads=(Upload("a.pdf", "", PDF),), settings=settings)
    session.expire_all()
    assert people.staff.station is not None  # the signed-in user is loaded before the page
    with selects_issued(session) as selects:
        entries = timeline(session, people.staff, session.get(ServiceRequest, request.id))
        names = [
            (
                e.actor.name if e.actor else "",
                e.message.author.name if e.message else "",
                e.event.actor.name if e.event and e.event.actor else "",
            )
            for e in entries
        ]
    assert len(names) >= 7
    # The request, its events, messages, files and the people in them: no query per entry.
    assert len(selects) <= 5
