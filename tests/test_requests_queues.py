"""Queues: the right rows per queue, keyset pages, a capped count, and no extra query per row."""

from __future__ import annotations

from datetime import timedelta

from service.models import Category, Priority, Status
from service.operations import escalation
from service.operations.requests import add_message
from service.queries import requests as queues
from service.queries.requests import QueueFilters, assignable_users, queue_page
from service.queries.timeline import awaiting
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status, selects_issued, submit, triaged


def ids(session, actor, now=TUESDAY_10, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.id for r in queue_page(session, actor, QueueFilters(**filters), cursor=None, limit=200, now=now).items]


def test_each_desk_queue_holds_what_its_name_says(session, people: People, settings) -> None:
    new = in_status(session, people, settings, Status.SUBMITTED)
    mine = in_status(session, people, settings, Status.EARLY_INTERVENTION)  # assigned to people.staff
    waiting = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    resolved = in_status(session, people, settings, Status.RESOLVED)
    declined = in_status(session, people, settings, Status.DECLINED)
    escalated = escalation.escalate_request(session, people.staff, mine.id, "请关注")
    staff = people.staff
    assert ids(session, staff, queue="new") == [new.id]
    assert set(ids(session, staff, queue="mine")) == {mine.id, waiting.id}
    assert ids(session, staff, queue="unassigned") == [new.id]
    assert ids(session, staff, queue="waiting") == [waiting.id]
    assert set(ids(session, staff, queue="open")) == {new.id, mine.id, waiting.id}
    assert ids(session, staff, queue="escalated") == [escalated.id]
    assert ids(session, staff, queue="all") == [declined.id, resolved.id, waiting.id, mine.id, new.id]
    assert ids(session, people.staff2, queue="mine") == []
    # Overdue: clock running and past due; the waiting request is paused, the resolved one done.
    late = new.resolution_due_at + timedelta(hours=1)
    assert set(ids(session, staff, now=late, queue="overdue")) == {new.id, mine.id}


def test_enterprises_get_only_their_own_open_or_all(session, people: People, settings) -> None:
    open_one = in_status(session, people, settings, Status.TRIAGED)
    closed = in_status(session, people, settings, Status.CLOSED)
    assert ids(session, people.owner, queue="open") == [open_one.id]
    assert ids(session, people.colleague, queue="all") == [closed.id, open_one.id]
    # Desk queue names mean nothing to an enterprise: they fall back to "open".
    assert ids(session, people.owner, queue="unassigned") == [open_one.id]
    assert queues.queues_for(people.owner) == ("open", "all")


def test_filters_narrow_the_queue(session, people: People, settings) -> None:
    a = in_status(session, people, settings, Status.TRIAGED)  # P3
    b = submit(session, people, settings, title="临床评价路径咨询", category=Category.CLINICAL_EVALUATION)
    assert ids(session, people.staff, queue="all", priority=Priority.P3) == [a.id]
    assert ids(session, people.staff, queue="all", category=Category.CLINICAL_EVALUATION) == [b.id]
    assert ids(session, people.staff, queue="all", status=Status.SUBMITTED) == [b.id]
    assert ids(session, people.staff, queue="all", assignee_id=people.staff.id) == [a.id]
    assert ids(session, people.staff, queue="all", text="临床") == [b.id]
    assert ids(session, people.staff, queue="all", text=b.reference.lower()) == [b.id]
    assert ids(session, people.staff, queue="all", text="100%_") == []


def test_the_word_filter_reads_the_public_text_and_says_its_count_is_partial(session, people: People, settings) -> None:
    described = submit(session, people, settings, title="注册咨询", description="需要评估 bioburden 测试方案")
    replied = triaged(session, people, settings, title="变更咨询")
    add_message(session, people.staff, replied.id, "请补充 bioburden 数据", settings=settings)
    noted = triaged(session, people, settings, title="备案咨询")
    add_message(session, people.staff, noted.id, "内部：bioburden 存疑", internal=True, settings=settings)
    assert ids(session, people.staff, queue="all", text="Bioburden") == [replied.id, described.id]
    assert ids(session, people.owner, queue="all", text="bioburden") == [replied.id, described.id]
    page = queue_page(session, people.staff, QueueFilters(queue="all", text="bioburden"), cursor=None, limit=1)
    assert (page.count_label, page.capped) == ("1+", True)
    whole = queue_page(session, people.staff, QueueFilters(queue="all", text="bioburden"), cursor=None)
    assert (whole.count_label, whole.capped) == ("2", False)


def test_keyset_pages_cover_everything_once(session, people: People, settings) -> None:
    made = [submit(session, people, settings).id for _ in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        page = queue_page(session, people.staff, QueueFilters(queue="all"), cursor=cursor, limit=3)
        assert page.count_label == "7"
        seen += [r.id for r in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True) and pages == 3


def _walk(session, actor, filters: QueueFilters, limit: int = 2) -> list[int]:  # type: ignore[no-untyped-def]
    seen, cursor = [], None
    while True:
        page = queue_page(session, actor, filters, cursor=cursor, limit=limit)
        seen += [r.id for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_queues_sort_by_age_or_by_due_time_and_page_in_that_order(session, people: People, settings) -> None:
    # Submitted on three mornings; urgent P1 cases fall due first, and two share a due time.
    monday, tuesday = TUESDAY_10 - timedelta(days=1), TUESDAY_10
    early = triaged(session, people, settings, monday, priority=Priority.P3)
    urgent = triaged(session, people, settings, tuesday, priority=Priority.P1)
    twin = triaged(session, people, settings, tuesday, priority=Priority.P1)
    late = triaged(session, people, settings, tuesday + timedelta(days=1), priority=Priority.P3)
    closed = in_status(session, people, settings, Status.DECLINED)
    by_due = sorted([early, urgent, twin, late], key=lambda r: (r.resolution_due_at, r.id))
    assert by_due[:2] == [urgent, twin] and by_due[-1] == late
    staff = people.staff
    assert _walk(session, staff, QueueFilters(queue="open", sort="due")) == [r.id for r in by_due]
    assert _walk(session, staff, QueueFilters(queue="all", sort="oldest")) == [
        early.id,
        urgent.id,
        twin.id,
        late.id,
        closed.id,
    ]
    assert _walk(session, staff, QueueFilters(queue="all", sort="newest")) == [
        closed.id,
        late.id,
        twin.id,
        urgent.id,
        early.id,
    ]
    # A whole history ordered by due time would be read in full: "all" stays newest first.
    assert _walk(session, staff, QueueFilters(queue="all", sort="due"))[0] == closed.id
    assert _walk(session, people.owner, QueueFilters(queue="all", sort="oldest"))[0] == early.id


def test_count_is_capped(session, people: People, settings, monkeypatch) -> None:
    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    for _ in range(5):
        submit(session, people, settings)
    page = queue_page(session, people.staff, QueueFilters(queue="all"), cursor=None, limit=2)
    assert page.count_label == "3+" and page.capped


def test_a_page_loads_its_people_and_stations_without_a_query_per_row(session, people: People, settings) -> None:
    for _ in range(4):
        in_status(session, people, settings, Status.TRIAGED)
    session.expire_all()
    assert people.staff.station is not None  # the signed-in user is loaded before the page, as in a web request
    with selects_issued(session) as selects:
        page = queue_page(session, people.staff, QueueFilters(queue="all"), cursor=None)
        shown = [(r.enterprise.name, r.assignee.name if r.assignee else "", r.station.name_zh) for r in page.items]
    assert len(shown) == 4
    assert len(selects) == 2  # the page (with its joins) and the count, whatever the number of rows


def test_assignable_users_are_the_stations_and_the_hubs_desk(session, people: People) -> None:
    found = {u.id for u in assignable_users(session, people.staff, people.enterprise.station_id)}
    assert {people.staff.id, people.staff2.id, people.director.id, people.hub_staff.id, people.hub_director.id} <= found
    assert not found & {people.other_staff.id, people.owner.id, people.admin.id}


def test_awaiting_says_who_has_the_ball(session, people: People, settings) -> None:
    waiting = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    resolved = in_status(session, people, settings, Status.RESOLVED)
    assert awaiting(waiting) == "Awaiting your reply"
    assert awaiting(waiting, people.staff) == "Awaiting the enterprise's reply"
    assert awaiting(resolved) == "Awaiting your confirmation"
    triaged = in_status(session, people, settings, Status.TRIAGED)
    assert awaiting(triaged) == "The station is working on it"
    assert awaiting(triaged, people.staff) == "Awaiting work by the assignee"
