"""The bulk demo-data generator: every status, consistent numbering, a search index in step, a database that works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.demo import bulk as demo_data
from service.models import Event, EventKind, Message, ReferenceCounter, Role, ServiceRequest, Status, User
from service.operations.requests import submit_request
from service.queries.search import search_requests
from tests.conftest import suite_settings
from tests.request_helpers import draft
from tests.scratch import scratch_database

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A scratch database (not the suite's: the generator commits), filled once for the module."""
    with scratch_database("demo", tmp_path_factory.mktemp("demo")) as engine:
        demo_data.generate(engine, demo_data.Options(requests=2000, enterprises=20, years=1, chunk=700), now=NOW)
        yield engine


def test_requests_are_spread_over_every_status_with_their_story(generated: Engine) -> None:
    with Session(generated) as session:
        statuses = dict(
            session.execute(select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)).all()
        )
        assert set(statuses) == set(Status) and sum(statuses.values()) == 2000
        created = session.scalar(select(func.count()).where(Event.kind == EventKind.CREATED))
        assert created == 2000
        assert session.scalar(select(func.count()).select_from(Message).where(Message.internal.is_(True))) > 0
        closed = session.scalars(select(ServiceRequest).where(ServiceRequest.status == Status.CLOSED).limit(1)).one()
        assert closed.closed_at and closed.resolved_at and closed.created_at <= closed.resolved_at <= closed.closed_at
        assert closed.closed_at <= NOW
        assert session.scalar(select(func.count()).select_from(User).where(User.role == Role.ENTERPRISE)) >= 20


def test_reference_numbers_are_unique_and_the_counters_continue_them(generated: Engine) -> None:
    with Session(generated) as session:
        refs = session.execute(select(func.count(), func.count(func.distinct(ServiceRequest.reference)))).one()
        assert refs[0] == refs[1] == 2000
        highest = dict(
            session.execute(
                select(ServiceRequest.year, func.max(ServiceRequest.sequence)).group_by(ServiceRequest.year)
            ).all()
        )
        counters = {c.year: c.last_value for c in session.scalars(select(ReferenceCounter))}
        assert counters == highest
        submitter = session.scalars(select(User).where(User.email == "contact@boshi-med.example.cn")).one()
        made = submit_request(
            session, submitter, draft(), now=NOW, settings=suite_settings(upload_folder="/nonexistent").desk
        )
        assert made.reference == f"JL-2026-{highest[2026] + 1:06d}"


def test_every_request_is_in_the_search_index(generated: Engine) -> None:
    with Session(generated) as session:
        table = "search_index" if generated.dialect.name == "sqlite" else "search_documents"
        requests = session.scalar(select(func.count()).select_from(ServiceRequest))
        assert session.scalar(text(f"SELECT count(*) FROM {table}")) == requests
        director = session.scalars(select(User).where(User.email == "director@demo.jl.gov.cn")).one()
        results = search_requests(session, director, "指导")
        assert results.total > 0
        assert all("指导" in hit.request.description + hit.request.title or hit.source for hit in results.hits)


def test_the_rows_hold_together(generated: Engine) -> None:
    with generated.connect() as conn:
        if generated.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        orphans = conn.scalar(
            select(func.count()).select_from(Message).where(~Message.request_id.in_(select(ServiceRequest.id)))
        )
        assert orphans == 0


def test_a_second_run_adds_to_the_data(generated: Engine) -> None:
    with Session(generated) as session:
        before = session.scalar(select(func.count()).select_from(ServiceRequest))
    demo_data.generate(generated, demo_data.Options(requests=50, enterprises=2, years=1, seed=2026), now=NOW)
    with Session(generated) as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == before + 50
        refs = session.execute(select(func.count(), func.count(func.distinct(ServiceRequest.reference)))).one()
        assert refs[0] == refs[1]
