"""No scans of the requests table on the hot path: the queue, search and dashboard queries use indexes.

A few thousand generated requests (service.demo.stories, the bulk generator's
own stories) are written into the test's transaction and the planner's
statistics refreshed, so that both engines plan as they would for a real
database. Each statement the queries issue is then EXPLAINed. A statement
fails when it reads the whole requests table (SQLite "SCAN requests",
PostgreSQL "Seq Scan on requests", or a full walk of one of its indexes)
unless it is a keyset page (ORDER BY the id, LIMIT), which stops after a
page's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, event, func, insert, select, text, update
from sqlalchemy.orm import Session

from service.demo.stories import COLUMNS, Batch, Start, Storyteller, World
from service.demo.stories import Enterprise as Company
from service.infrastructure.search_index import enterprise_terms
from service.models import (
    OPEN_STATUSES,
    Category,
    Priority,
    Role,
    ServiceRequest,
    Station,
    Status,
    SupervisionOrder,
    SupervisionStatus,
    SupervisionTier,
    User,
)
from service.operations.reminders import sweep_reminders
from service.operations.sla import in_batches
from service.queries import dashboard, monthly_report, rates
from service.queries import requests as queue_queries
from service.queries.requests import DESK_QUEUES, ENTERPRISE_QUEUES, QueueFilters, queue_page
from service.queries.search import MatchReason, search_requests
from service.queries.supervision_orders import OrderFilters, order_page, tier_counts
from service.rules.sla_calendar import WorkingCalendar
from service.rules.supervision_orders import TierClock
from tests import factories

pytestmark = pytest.mark.slow  # ten thousand requests written for every test

REQUESTS = 10000
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
KEYSET = re.compile(r"ORDER BY requests\.id (?:DESC|ASC)\s+LIMIT", re.IGNORECASE)


def _stamp_sqlite(value: datetime | None) -> str | None:
    return value.isoformat(" ", "microseconds") if value is not None else None


def _stamp_postgres(value: datetime | None) -> str | None:
    return value.isoformat(" ", "microseconds") + "+00" if value is not None else None


@pytest.fixture()
def people(session: Session) -> dict[str, User]:
    """Desk staff and an enterprise contact in every station, so that a station holds a seventh of the requests."""
    found: dict[str, User] = {}
    for station in session.scalars(select(Station).order_by(Station.id)):
        found[f"staff:{station.code}"] = factories.user(session, Role.STAFF, station.code)
        found[f"director:{station.code}"] = factories.user(session, Role.DIRECTOR, station.code)
        for n in range(4):
            found[f"enterprise:{station.code}:{n}"] = factories.user(session, Role.ENTERPRISE, station.code)
    return found


@pytest.fixture()
def many(session: Session, connection: Connection, people: dict[str, User]) -> None:
    postgres = connection.dialect.name == "postgresql"
    stations = {u.station_id for u in people.values() if u.station_id}
    world = World(
        staff={
            s: [(u.id, u.name) for u in people.values() if u.station_id == s and u.role == Role.STAFF] for s in stations
        },
        directors={
            s: [u.id for u in people.values() if u.station_id == s and u.role == Role.DIRECTOR] for s in stations
        },
        hub_director=people["director:JL-HUB"].id,
        enterprises=[
            Company(e.id, e.station_id, [u.id], terms=enterprise_terms(e.name, e.credit_code))
            for u in people.values()
            if u.role == Role.ENTERPRISE and (e := u.enterprise) is not None
        ],
    )
    start = {t: (connection.scalar(text(f"SELECT max(id) FROM {t}")) or 0) + 1 for t in COLUMNS}
    counters = dict.fromkeys(range(2018, 2031), 500000)  # far above anything the suite hands out
    teller = Storyteller(
        Start(world, start, counters, NOW.replace(tzinfo=None)),
        7,
        _stamp_postgres if postgres else _stamp_sqlite,
        postgres,
    )
    batch = Batch()
    span = NOW - NOW.replace(year=NOW.year - 2)
    for k in range(REQUESTS):
        teller.tell(batch, NOW.replace(tzinfo=None) - span + span * ((k + 0.5) / REQUESTS))
    marker = "%s" if connection.dialect.paramstyle in ("format", "pyformat") else "?"
    for table, rows in batch.rows.items():
        if rows:
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES "
                f"({', '.join([marker] * len(COLUMNS[table]))})",
                rows,
            )
    # The counters handed those numbers out, as the generator records them.
    connection.exec_driver_sql(
        f"INSERT INTO reference_counters (year, last_value) VALUES ({marker}, {marker}) "
        "ON CONFLICT (year) DO UPDATE SET last_value = excluded.last_value",
        list(teller.counters.items()),
    )
    if postgres:
        connection.exec_driver_sql(
            f"INSERT INTO search_documents (request_id, document) VALUES ({marker}, CAST({marker} AS tsvector))",
            batch.documents,
        )
    else:
        connection.exec_driver_sql(
            "INSERT INTO search_index (rowid, title_terms, public_terms, internal_terms, "
            "scope_terms, product_terms, enterprise_terms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            batch.documents,
        )
    connection.exec_driver_sql("ANALYZE")
    session.expire_all()


@contextmanager
def captured(connection: Connection) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def full_reads(connection: Connection, statement: str, parameters: object, table: str = "requests") -> list[str]:
    """The plan lines that read all of ``table`` (or all of one of its indexes)."""
    if connection.dialect.name == "sqlite":
        lines = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        # The full-text index answers MATCH from its own doclists ("VIRTUAL TABLE INDEX n:M...").
        bad = [line for line in lines if re.match(rf"SCAN {table}\b(?! VIRTUAL TABLE INDEX \d+:M)", line)]
    else:
        lines = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
        bad = []
        for n, line in enumerate(lines):
            if re.search(rf"Seq Scan on {table}\b", line):
                bad.append(line)
            elif re.search(rf"Index (Only )?Scan (Backward )?using \w+ on {table}\b", line):
                details = "".join(lines[n + 1 : n + 3])
                if "Index Cond" not in details:
                    bad.append(line)
    return [] if bad and table == "requests" and KEYSET.search(statement) else bad


def assert_indexed(connection: Connection, run: Callable[[], object], label: str, table: str = "requests") -> None:
    with captured(connection) as seen:
        run()
    assert seen, f"{label}: no statement ran"
    offenders = {}
    for statement, parameters in seen:
        bad = full_reads(connection, statement, parameters, table)
        if bad:
            offenders[" ".join(statement.split())[:300]] = bad
    assert not offenders, f"{label} reads the whole {table} table:\n" + "\n".join(
        f"{sql}\n    {plan}" for sql, plan in offenders.items()
    )


def test_queues_page_and_count_with_indexes(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    staff, enterprise = people["staff:JL-CCND"], people["enterprise:JL-CCND:0"]
    deep = session.scalar(select(ServiceRequest.id).order_by(ServiceRequest.id).offset(REQUESTS // 10).limit(1))
    for user, queues in ((staff, DESK_QUEUES), (enterprise, ENTERPRISE_QUEUES)):
        for queue in queues:
            for cursor in (None, deep):
                assert_indexed(
                    connection,
                    lambda: queue_page(session, user, QueueFilters(queue=queue), cursor=cursor, now=NOW),
                    f"{user.role.value} queue {queue} (cursor {cursor})",
                )
        for queue, sort in (("open", "oldest"), ("open", "due"), ("all", "oldest")):
            for cursor in (None, deep):
                assert_indexed(
                    connection,
                    lambda: queue_page(session, user, QueueFilters(queue=queue, sort=sort), cursor=cursor, now=NOW),
                    f"{user.role.value} {queue} queue by {sort} (cursor {cursor})",
                )
        # Words, an enterprise's name, a reference number's digits (the counters start at 500,000 here).
        for words in ("注册", "clinical", "测试企业", "500042", "JL-2026-500042"):
            assert_indexed(
                connection,
                lambda: queue_page(session, user, QueueFilters(queue="open", text=words), cursor=None, now=NOW),
                f"{user.role.value} queue {words}",
            )


def test_a_common_word_on_the_provinces_open_cases_walks_them_and_shows_the_same_page(
    many: None, session: Session, connection: Connection, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite looks each of a word's matches up by id; for a word in tens of thousands of the province's
    documents it walks the open cases instead and tests each against the matches (注册 at a million requests:
    0.25 s -> 40 ms). The page is the same either way, and neither way reads the whole table."""
    director = people["director:JL-HUB"]
    for sort in ("due", "newest"):
        filters = QueueFilters(queue="open", sort=sort, text="注册")
        looked_up = queue_page(session, director, filters, cursor=None, limit=10, now=NOW)
        monkeypatch.setattr(queue_queries, "COMMON_WORD_MATCHES", 1)
        with captured(connection) as seen:
            walked = queue_page(session, director, filters, cursor=None, limit=10, now=NOW)
        assert_indexed(
            connection,
            lambda: queue_page(session, director, filters, cursor=walked.next_cursor, limit=10, now=NOW),
            f"province open by {sort}, 注册, walked",
        )
        monkeypatch.undo()
        assert len(looked_up.items) == 10
        assert [r.id for r in walked.items] == [r.id for r in looked_up.items]
        assert walked.next_cursor == looked_up.next_cursor
        walks = any(re.search(r"requests\.id \+ ", statement) for statement, _ in seen)
        assert walks == (connection.dialect.name == "sqlite")


@pytest.mark.parametrize("who", ["staff:JL-CCND", "director:JL-HUB"])
def test_an_enterprises_name_on_a_queue_walks_it_or_lists_their_requests_and_shows_the_same_page(
    many: None,
    session: Session,
    connection: Connection,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    who: str,
) -> None:
    """Typed into a queue's filter, a word of enterprises' names is not looked up in the full-text index (公司
    stands in every name: listing a million matches took 0.2-0.4 s). Their requests are listed when they are
    few, and otherwise the queue is walked, each row's enterprise tested: the same page either way, and
    neither reads the whole table."""
    user = people[who]
    for queue, sort in (("open", "newest"), ("all", "oldest")):
        filters = QueueFilters(queue=queue, sort=sort, text="测试企业")
        pages = {}
        for how, common in (("listed", queue_queries.COMMON_WORD_MATCHES), ("walked", 1)):
            monkeypatch.setattr(queue_queries, "COMMON_WORD_MATCHES", common)
            with captured(connection) as seen:
                pages[how] = page = queue_page(session, user, filters, cursor=None, limit=10, now=NOW)
            assert any(re.search(r"requests\.enterprise_id \+ ", sql) for sql, _ in seen) == (how == "walked")
            if connection.dialect.name == "sqlite":
                # PostgreSQL counts (up to a limit) the requests of enterprises holding most of this suite's few
                # thousand by reading the table's first rows, rightly at this size.
                assert_indexed(
                    connection,
                    lambda: queue_page(session, user, filters, cursor=page.next_cursor, limit=10, now=NOW),
                    f"{who} {queue} queue, {how}",
                )
        monkeypatch.undo()
        listed, walked = pages["listed"], pages["walked"]
        assert len(listed.items) == 10 and {r.enterprise.name[:4] for r in listed.items} == {"测试企业"}
        assert [r.id for r in walked.items] == [r.id for r in listed.items]
        assert all(walked.reasons[r.id] == (MatchReason.ENTERPRISE,) for r in walked.items)


def test_unassigned_cases_filtered_by_priority_are_found_through_the_assignee_index(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """Not by walking the station's whole history in id order until a page of them turns up (SQLite chose
    that: 0.18 s for a station's unassigned P1 cases at a million requests)."""
    staff = people["staff:JL-CCND"]
    open_cases = list(
        session.scalars(
            select(ServiceRequest.id)
            .where(ServiceRequest.station_id == staff.station_id, ServiceRequest.status.in_(OPEN_STATUSES))
            .order_by(ServiceRequest.id)
        )
    )
    chosen = open_cases[:: len(open_cases) // 12][:12]
    session.execute(
        update(ServiceRequest).where(ServiceRequest.id.in_(chosen)).values(assignee_id=None, priority=Priority.P1)
    )
    # Those, and any the generator left unassigned at P1 itself (a request returned by its officer, say).
    expected = list(
        session.scalars(
            select(ServiceRequest.id)
            .where(
                ServiceRequest.station_id == staff.station_id,
                ServiceRequest.status.in_(OPEN_STATUSES),
                ServiceRequest.assignee_id.is_(None),
                ServiceRequest.priority == Priority.P1,
            )
            .order_by(ServiceRequest.id)
        )
    )
    assert set(chosen) <= set(expected)
    for sort, ids in (("oldest", expected), ("newest", expected[::-1])):
        filters = QueueFilters(queue="unassigned", sort=sort, priority=Priority.P1)
        with captured(connection) as seen:
            first = queue_page(session, staff, filters, cursor=None, limit=5, now=NOW)
            second = queue_page(session, staff, filters, cursor=first.next_cursor, limit=5, now=NOW)
        assert [r.id for r in first.items + second.items] == ids[:10]
        if connection.dialect.name == "sqlite":
            plans = [
                " ".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in seen
                if "LIMIT" in sql
            ]
            assert plans and not any(re.search(r"ix_requests_station_id\b|SCAN requests\b", plan) for plan in plans), (
                plans
            )


def test_a_status_the_queue_cannot_hold_reads_nothing(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """The open queue filtered to closed requests is empty: the statements say so with a constant, which both
    engines answer without reading a row (a plan still lists the scans it would never run, so the test reads
    the SQL). Without it PostgreSQL walked the open requests at a million for 0.4 s to find none."""
    staff = people["staff:JL-CCND"]
    for queue, status in (("open", Status.CLOSED), ("new", Status.GUIDANCE), ("overdue", Status.WAITING_ENTERPRISE)):
        with captured(connection) as seen:
            page = queue_page(session, staff, QueueFilters(queue=queue, status=status), cursor=None, now=NOW)
        assert (page.items, page.count_label) == ([], "0")
        reads = [statement for statement, _ in seen if "FROM requests" in statement]
        assert reads and all(re.search(r"WHERE (false|0 = 1)\b", statement) for statement in reads), reads
    held = queue_page(session, staff, QueueFilters(queue="open", status=Status.SUBMITTED), cursor=None, now=NOW)
    assert held.items and {r.status for r in held.items} == {Status.SUBMITTED}


def test_one_status_over_the_province_is_read_in_id_order_from_an_index(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """The provincial director's "new" queue, and the whole list filtered to one status, read that status's
    entries of an index in id order: neither every request of the status sorted, nor (what SQLite did, blind
    to how rare a status is) the requests walked in id order past every closed one (0.3 s at a million)."""
    director = people["director:JL-HUB"]
    for filters in (
        QueueFilters(queue="new"),
        QueueFilters(queue="new", sort="oldest"),
        QueueFilters(queue="all", status=Status.WAITING_ENTERPRISE, sort="oldest"),
    ):
        with captured(connection) as seen:
            page = queue_page(session, director, filters, cursor=None, now=NOW)
        assert page.items and {r.status for r in page.items} == {filters.status or Status.SUBMITTED}
        statement, parameters = next((sql, params) for sql, params in seen if KEYSET.search(sql))
        if connection.dialect.name == "sqlite":
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert any("USING COVERING INDEX ix_requests_status_id" in line for line in plan), plan
            assert not any(line.startswith(("SCAN requests", "USE TEMP B-TREE")) for line in plan), plan
        else:
            plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
            assert not any(re.search(r"Seq Scan on requests\b", line) for line in plan), plan


def test_an_enterprises_list_is_counted_from_an_index_alone(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """The portal's list counts an enterprise's open requests, or all of them filtered, from the entries of one
    index on SQLite: reading each request for its status took 80-140 ms for an enterprise with 31,000."""
    enterprise = people["enterprise:JL-CCND:0"]
    for filters in (
        QueueFilters(queue="open"),
        QueueFilters(queue="all", category=Category.CLINICAL_EVALUATION),
        QueueFilters(queue="all", escalated=True),
    ):
        with captured(connection) as seen:
            queue_page(session, enterprise, filters, cursor=None, now=NOW)
        statement, parameters = next((sql, params) for sql, params in seen if "count(" in sql.lower())
        if connection.dialect.name == "sqlite":
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert any("USING COVERING INDEX ix_requests_enterprise_filters" in line for line in plan), plan
        else:
            # PostgreSQL's choice at this suite's size (bitmaps of two indexes, say) says little about a
            # million rows; bench/sweep.py measures those. Here it only must not read the table through.
            assert full_reads(connection, statement, parameters) == []


def test_search_reads_requests_by_key_only(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    credit_code = people["enterprise:JL-CCND:0"].enterprise.credit_code  # type: ignore[union-attr]
    for who in ("staff:JL-CCND", "enterprise:JL-CCND:0", "director:JL-HUB"):
        for words in ("注册", "clinical", "临床评价 同品种", "测试企业", credit_code, "500042", "42", "2026-500042"):
            assert_indexed(connection, lambda: search_requests(session, people[who], words), f"{who} search {words}")


def test_a_reference_number_is_looked_up_in_the_year_and_sequence_index(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """Typing a reference's digits reads one entry of the unique (year, sequence) index per year: no request
    is read to compare its reference's tail."""
    staff = people["staff:JL-CCND"]
    expected = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.station_id == staff.station_id)
        .order_by(ServiceRequest.id.desc())
        .limit(1)
    ).one()
    with captured(connection) as seen:
        hits = search_requests(session, staff, str(expected.sequence)).hits
    assert hits[0].request.id == expected.id
    statement, parameters = next(
        (sql, params) for sql, params in seen if "sequence =" in sql and "search_index" not in sql
    )
    if connection.dialect.name == "sqlite":
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        assert any(
            re.match(r"SEARCH requests USING (COVERING )?INDEX \w+ \(year=\? AND sequence=\?\)", line) for line in plan
        ), plan
    else:
        assert full_reads(connection, statement, parameters) == []


def test_a_word_no_request_holds_is_looked_up_in_the_index(
    many: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    """Not by walking the documents newest first in search of a page of matches that never comes: on
    PostgreSQL at a million requests that read every document (20 s) until its statistics were refined."""
    table = "search_index" if connection.dialect.name == "sqlite" else "search_documents"
    for who in ("staff:JL-CCND", "director:JL-HUB"):
        for words in ("斑马鱼", "zebrafish"):
            assert_indexed(
                connection, lambda: search_requests(session, people[who], words), f"{who} search {words}", table
            )
    if connection.dialect.name == "postgresql":
        # A test database is too small for the walk to look costly; at scale the choice follows the
        # planner's guess of how many documents hold the word, which must stay far below a page's worth.
        plan = connection.exec_driver_sql(
            "EXPLAIN SELECT request_id FROM search_documents WHERE document @@ CAST(%s AS tsquery)",
            ("'t:zebrafish' | 'p:zebrafish'",),
        ).scalar()
        guess = int(re.search(r"rows=(\d+)", plan).group(1))  # type: ignore[union-attr]
        assert guess <= REQUESTS // 1000, plan


@pytest.mark.parametrize("who", ["director:JL-HUB", "director:JL-CCND"])
def test_the_dashboard_aggregates_with_indexes(
    many: None, session: Session, connection: Connection, people: dict[str, User], who: str
) -> None:
    scope = dashboard.make_scope(people[who], NOW)
    calendar = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {})
    assert_indexed(connection, lambda: dashboard.build_dashboard(session, scope, calendar), f"{who} dashboard")


# -- the supervision page ---------------------------------------------------------------------------------------
# Its queries use the supervision orders' indexes: no full read of the table for the list's main filters (default,
# tier, station, status, overdue) nor for the dashboard's counts per tier. Orders are written in bulk over the
# generated requests above (a few thousand, so that both planners prefer an index over a scan), then the
# planner's statistics refreshed.

ORDERS = 6000
CALENDAR = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {})
CLOCK = TierClock.at(NOW, CALENDAR, red_days=3, red_reminders=3)
# Most orders long concluded, a few waiting (as in a province's years of history).
STATUSES = (
    [SupervisionStatus.CLOSED] * 17
    + [SupervisionStatus.CANCELLED, SupervisionStatus.OPEN]
    + [SupervisionStatus.REPORTED]
)


@pytest.fixture()
def orders(many: None, session: Session, connection: Connection, people: dict[str, User]) -> None:
    requests = session.execute(select(ServiceRequest.id, ServiceRequest.station_id).limit(ORDERS)).all()
    director = people["director:JL-HUB"].id
    # After the generated requests' own orders, written with their ids (PostgreSQL's sequence has not moved).
    first = (session.scalar(select(func.max(SupervisionOrder.id))) or 0) + 1
    session.execute(
        insert(SupervisionOrder),
        [
            {
                "id": first + n,
                "request_id": request_id,
                "station_id": station_id,
                "issued_by_id": director,
                "issue": "督办",
                "requirement": "报送",
                "deadline": NOW + timedelta(hours=(n % 2000) - 1500),
                "status": STATUSES[n % len(STATUSES)],
                # Issued over the last two years, as the rates read them by their issue time.
                "created_at": NOW - timedelta(hours=3 * n),
            }
            for n, (request_id, station_id) in enumerate(requests)
        ],
    )
    session.flush()
    connection.exec_driver_sql("ANALYZE")


FILTERS = {
    "default": OrderFilters(),
    **{f"tier {tier.value}": OrderFilters(tier=tier) for tier in SupervisionTier},
    "overdue": OrderFilters(overdue=True),
    "reported": OrderFilters(statuses=frozenset({SupervisionStatus.REPORTED})),
    "closed": OrderFilters(statuses=frozenset({SupervisionStatus.CLOSED})),
}


def test_the_list_and_the_counts_read_orders_through_indexes(
    orders: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    director, staff = people["director:JL-HUB"], people["staff:JL-CCND"]
    # The check bites: a filter no index serves reads the whole table.
    with pytest.raises(AssertionError, match="reads the whole supervision_orders"):
        assert_indexed(
            connection,
            lambda: session.scalars(select(SupervisionOrder.id).where(SupervisionOrder.issue == "x")).all(),
            "unindexed",
            "supervision_orders",
        )
    for name, filters in FILTERS.items():
        for who in (director, staff):
            page = order_page(session, who, filters, CLOCK)
            assert_indexed(
                connection, lambda w=who, f=filters: order_page(session, w, f, CLOCK), name, "supervision_orders"
            )
            if page.next_cursor:
                assert_indexed(
                    connection,
                    lambda w=who, f=filters, c=page.next_cursor: order_page(session, w, f, CLOCK, cursor=c),
                    f"{name}, next page",
                    "supervision_orders",
                )
    assert_indexed(
        connection,
        lambda: order_page(session, director, OrderFilters(station_id=staff.station_id), CLOCK),
        "one station",
        "supervision_orders",
    )
    for who in (director, staff):
        assert_indexed(connection, lambda w=who: tier_counts(session, w, CLOCK), "tier counts", "supervision_orders")


# -- the reminder sweep finds the due reminders by their index


def test_the_sweep_reads_only_the_due_reminders(session: Session, connection: Connection, many: None) -> None:
    assert_indexed(connection, lambda: sweep_reminders(session, NOW, in_batches), "the reminder sweep")


# -- the rates (三率) --------------------------------------------------------------------------------------------
# Each grouped count reads the period through an index, per station and per officer, for a month and for a year.
# On SQLite each reads its axis's covering index alone ("USING COVERING INDEX"). PostgreSQL reads it index-only
# once the table is vacuumed (the generator vacuums; these rows, written in the test's transaction, cannot be), so
# here it is only held to reading through some index.

RATE_INDEXES = ("ix_requests_rates_received", "ix_requests_rates_closed", "ix_requests_rates_visited")


def _covering_indexes_read(connection: Connection, run: Callable[[], object]) -> set[str]:
    with captured(connection) as seen:
        run()
    used = set()
    for statement, parameters in seen:
        plan = " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        used.update(name for name in RATE_INDEXES if f"USING COVERING INDEX {name}" in plan)
    return used


@pytest.mark.parametrize("who", ["director:JL-HUB", "director:JL-CCND"])
@pytest.mark.parametrize("period", ["2026-02", "2026"])
def test_the_rates_are_counted_from_their_covering_indexes(
    orders: None, session: Session, connection: Connection, people: dict[str, User], who: str, period: str
) -> None:
    actor, ccnd = people[who], people["staff:JL-CCND"].station_id
    chosen = rates.Period.parse(period)
    assert ccnd is not None
    for label, run in (
        ("stations", lambda: rates.station_rates(session, actor, chosen)),
        ("officers", lambda: rates.officer_rates(session, actor, chosen, ccnd)),
    ):
        # Most of the fixture's rows fall in the year: PostgreSQL's cost model may rightly read its small tables
        # whole for it, so there a month's plan is held to the indexes (SQLite's planner is held on both).
        if chosen.kind == rates.PeriodKind.MONTH or connection.dialect.name == "sqlite":
            assert_indexed(connection, run, f"{who} {label} {period}")
            assert_indexed(connection, run, f"{who} {label} {period}", "supervision_orders")
        if connection.dialect.name == "sqlite":
            assert _covering_indexes_read(connection, run) == set(RATE_INDEXES), label


# -- the monthly report (月报): the month's requests by their creation, its typical cases by their result, the open
# orders by their status, each through an index (its rates are the rates' own, above).


@pytest.mark.parametrize("who", ["director:JL-HUB", "director:JL-CCND"])
def test_the_monthly_report_reads_its_month_through_indexes(
    orders: None, session: Session, connection: Connection, people: dict[str, User], who: str
) -> None:
    actor, month = people[who], rates.Period.parse("2026-02")
    assert monthly_report.breakdowns(session, actor, month).submitted > 0
    assert monthly_report.open_orders(session, actor, month, CLOCK)[0]
    for name, run in (
        ("the month's requests", lambda: monthly_report.breakdowns(session, actor, month)),
        ("its typical cases", lambda: monthly_report.typical_cases(session, actor, month)),
        ("the open orders", lambda: monthly_report.open_orders(session, actor, month, CLOCK)),
    ):
        assert_indexed(connection, run, f"{who}: {name}")
        assert_indexed(connection, run, f"{who}: {name}", "supervision_orders")
