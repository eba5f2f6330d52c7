"""Each main page issues a small, fixed number of SQL statements, however many rows it shows (no N+1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from service.models import HotlineSession, HotlineStatus, ServiceRequest
from service.models.base import utcnow
from service.operations.requests import add_message
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import submit, triaged
from tests.suite import login
from tests.web_requests_support import EN

BUDGET = 10
# A request's desk page reads one statement more: its possible duplicates (a recent window, a small cap).
DESK_DETAIL_BUDGET = BUDGET + 1
ROWS = 30
# Transaction bookkeeping of the test's joined session, not queries of the page.
_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def statements(connection: Connection, *, bookkeeping: bool = False) -> Iterator[list[str]]:
    """The statements run on ``connection`` meanwhile (with the transaction bookkeeping if asked)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if bookkeeping or not statement.lstrip().upper().startswith(_BOOKKEEPING):
            seen.append(" ".join(statement.split()))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.fixture()
def busy(session: Session, people: People, app_settings: DeskSettings) -> list[ServiceRequest]:
    """Thirty triaged requests of one enterprise, each with a reply, an internal note and an enterprise answer;
    ten of them with a director hotline session in the coming days (the dashboard lists those)."""
    made = []
    for n in range(ROWS):
        request = triaged(session, people, app_settings, title=f"注册申报资料咨询 {n}")
        add_message(session, people.staff, request.id, f"请补充注册资料 {n}", settings=app_settings)
        add_message(session, people.staff, request.id, f"内部备注 {n}", internal=True, settings=app_settings)
        add_message(session, people.owner, request.id, f"已补充 {n}", settings=app_settings)
        made.append(request)
    for n, request in enumerate(made[:10]):
        session.add(
            HotlineSession(
                request_id=request.id,
                requested_by_id=people.owner.id,
                reason="沟通注册路径",
                status=HotlineStatus.SCHEDULED,
                director_id=people.hub_director.id,
                scheduled_at=utcnow() + timedelta(days=1, hours=n),
                duration_minutes=30,
                meeting_link=f"https://meet.example.gov.cn/{n}",
            )
        )
    session.commit()
    return made


def _check(client: FlaskClient, connection: Connection, path: str, budget: int = BUDGET) -> None:
    client.get(path, headers=EN)  # warm caches (locale, calendar) that a steady server already holds
    with statements(connection) as seen:
        response = client.get(path, headers=EN)
    assert response.status_code == 200, path
    repeated = {sql: n for sql, n in Counter(seen).items() if n > 1}
    assert len(seen) <= budget, f"{path}: {len(seen)} statements; repeated: {repeated}\n" + "\n".join(seen)


@pytest.mark.parametrize("page", ["/desk/", "/desk/?queue=all", "detail", "/search/?q=注册"])
def test_desk_pages_stay_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, busy: list[ServiceRequest], page: str
) -> None:
    login(client, people.staff)
    if page == "detail":
        _check(client, connection, f"/desk/requests/{busy[0].id}", DESK_DETAIL_BUDGET)
    else:
        _check(client, connection, page)


@pytest.mark.parametrize("page", ["/portal/", "/portal/?queue=all", "detail", "/search/?q=注册"])
def test_portal_pages_stay_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, busy: list[ServiceRequest], page: str
) -> None:
    login(client, people.owner)
    _check(client, connection, f"/portal/requests/{busy[0].id}" if page == "detail" else page)


def test_the_director_dashboard_stays_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, busy: list[ServiceRequest]
) -> None:
    login(client, people.hub_director)
    _check(client, connection, "/director/")


@pytest.mark.parametrize("who", ["hub_director", "director"])
def test_the_rates_ranking_stays_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, busy: list[ServiceRequest], who: str
) -> None:
    login(client, getattr(people, who))
    _check(client, connection, "/director/rates/")
    _check(client, connection, "/director/rates/requests?bucket=received")


def test_a_submissions_write_transaction_only_writes(
    session: Session, connection: Connection, people: People, app_settings: DeskSettings
) -> None:
    """Every submission waits for the reference counter's lock (on SQLite, for the one write lock): reads and
    computing happen before the lock is taken, and from then to the commit only the submission's rows are written."""
    with statements(connection, bookkeeping=True) as run:
        created = submit(session, people, app_settings)
    seen = [sql.upper() for sql in run]
    # What runs under the lock: on SQLite the write transaction (the savepoint, in this test's joined session,
    # holding the request's INSERT); on PostgreSQL everything from taking the counter row to the commit.
    insert_at = next(n for n, sql in enumerate(seen) if sql.startswith("INSERT INTO REQUESTS"))
    end = next(n for n in range(insert_at, len(seen)) if seen[n].startswith("RELEASE SAVEPOINT"))
    if connection.dialect.name == "sqlite":
        begin = max(n for n in range(insert_at) if seen[n].startswith("SAVEPOINT"))
    else:
        begin = max(n for n in range(insert_at) if seen[n].startswith("INSERT INTO REFERENCE_COUNTERS")) - 1
    inside = seen[begin + 1 : end]
    assert all(sql.startswith("INSERT") for sql in inside), "\n".join(inside)
    assert [sql.split(" INTO ")[1].split()[0] for sql in inside] == [
        "REFERENCE_COUNTERS",
        "REQUESTS",
        _INDEX_TABLE[connection.dialect.name],
        "EVENTS",
        "NOTIFICATIONS",
    ]
    assert created.reference.startswith("JL-") and created.status.value == "submitted"


_INDEX_TABLE = {"sqlite": "SEARCH_INDEX", "postgresql": "SEARCH_DOCUMENTS"}


def test_a_submission_reads_known_service_times_as_one_statement(
    session: Session, connection: Connection, people: People, app_settings: DeskSettings
) -> None:
    """Once a process has read the SLA targets and the calendar, a submission only checks they have not changed."""
    submit(session, people, app_settings)
    with statements(connection) as run:
        submit(session, people, app_settings)
    service_times_reads = [
        sql for sql in run if any(table in sql for table in ("sla_targets", "calendar_days", "service_times_revision"))
    ]
    assert len(service_times_reads) == 1 and "service_times_revision" in service_times_reads[0], service_times_reads
