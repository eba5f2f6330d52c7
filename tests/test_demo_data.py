"""The demo data. The quickstart's demo cases: a month holding every kind of step of the supervision loop. The bulk
generator: every status, consistent numbering, a search index in step, a database that works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.demo import bulk as demo_data
from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.models import (
    RESULT_STATUSES,
    UNSATISFIED_LEVELS,
    Event,
    EventKind,
    Message,
    ReferenceCounter,
    ResultCategory,
    ReturnVisit,
    Role,
    Satisfaction,
    ServiceRequest,
    Station,
    Status,
    SupervisionTier,
    User,
    VisitChannel,
)
from service.operations.requests import submit_request
from service.queries.search import search_requests
from service.queries.supervision_orders import tier_clock, tier_counts
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests.request_helpers import draft
from tests.scratch import scratch_engine
from tests.suite import suite_settings

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A scratch database (not the suite's: the generator commits), filled once for the module."""
    with scratch_engine("demo", tmp_path_factory.mktemp("demo")) as engine:
        demo_data.generate(engine, demo_data.Options(requests=2000, enterprises=20, years=1, chunk=700), now=NOW)
        yield engine


@pytest.mark.slow  # the bulk data
def test_requests_are_spread_over_every_status_with_their_story(generated: Engine) -> None:
    with Session(generated) as session:
        statuses = dict(
            session.execute(select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)).all()
        )
        # Merged duplicates are the demo seed's (seed_requests.merged); the generator makes none yet.
        assert set(statuses) == set(Status) - {Status.MERGED} and sum(statuses.values()) == 2000
        created = session.scalar(select(func.count()).where(Event.kind == EventKind.CREATED))
        assert created == 2000
        assert session.scalar(select(func.count()).select_from(Message).where(Message.internal.is_(True))) > 0
        closed = session.scalars(select(ServiceRequest).where(ServiceRequest.status == Status.CLOSED).limit(1)).one()
        assert closed.closed_at and closed.resolved_at and closed.created_at <= closed.resolved_at <= closed.closed_at
        assert closed.closed_at <= NOW
        assert session.scalar(select(func.count()).select_from(User).where(User.role == Role.ENTERPRISE)) >= 20


@pytest.mark.slow  # the bulk data
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


@pytest.mark.slow  # the bulk data
def test_every_request_is_in_the_search_index(generated: Engine) -> None:
    with Session(generated) as session:
        table = "search_index" if generated.dialect.name == "sqlite" else "search_documents"
        requests = session.scalar(select(func.count()).select_from(ServiceRequest))
        assert session.scalar(text(f"SELECT count(*) FROM {table}")) == requests
        director = session.scalars(select(User).where(User.email == "director@demo.jl.gov.cn")).one()
        results = search_requests(session, director, "指导")
        assert results.total > 0
        assert all("指导" in hit.request.description + hit.request.title or hit.source for hit in results.hits)


@pytest.mark.slow  # the bulk data
def test_the_rows_hold_together(generated: Engine) -> None:
    with generated.connect() as conn:
        if generated.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        orphans = conn.scalar(
            select(func.count()).select_from(Message).where(~Message.request_id.in_(select(ServiceRequest.id)))
        )
        assert orphans == 0


@pytest.mark.slow  # the bulk data
def test_a_second_run_adds_to_the_data(generated: Engine) -> None:
    with Session(generated) as session:
        before = session.scalar(select(func.count()).select_from(ServiceRequest))
    demo_data.generate(generated, demo_data.Options(requests=50, enterprises=2, years=1, seed=2026), now=NOW)
    with Session(generated) as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == before + 50
        refs = session.execute(select(func.count(), func.count(func.distinct(ServiceRequest.reference)))).one()
        assert refs[0] == refs[1]


# -- reminders, results, visits and redos in the generated data


@pytest.mark.slow  # the bulk data
def test_results_have_a_category_and_the_explained_ones_a_basis(generated: Engine) -> None:
    with Session(generated) as session:
        rows = session.execute(
            select(ServiceRequest.result_category, ServiceRequest.result_basis).where(
                ServiceRequest.status.in_(RESULT_STATUSES)
            )
        ).all()
        assert rows and all(category is not None for category, _ in rows)
        assert {category for category, _ in rows} == {"resolved", "explained", "not_feasible"}
        assert all((basis is None) == (category == "resolved") for category, basis in rows)


@pytest.mark.slow  # the bulk data
def test_visits_spread_believably_and_phone_visits_are_not_by_the_handler(generated: Engine) -> None:
    with Session(generated) as session:
        visits = session.execute(
            select(
                ReturnVisit.channel, ReturnVisit.satisfaction, ReturnVisit.recorded_by_id, ServiceRequest.assignee_id
            ).join(ServiceRequest, ServiceRequest.id == ReturnVisit.request_id)
        ).all()
        assert {channel for channel, *_ in visits} == {VisitChannel.PHONE, VisitChannel.ONLINE}
        satisfied = sum(1 for _, level, *_ in visits if level not in UNSATISFIED_LEVELS) / len(visits)
        assert 0.75 < satisfied < 0.97
        assert all(by != handler for channel, _, by, handler in visits if channel == VisitChannel.PHONE)
        last = session.scalar(
            select(func.count()).where(ServiceRequest.satisfaction.is_not(None), ServiceRequest.visited_at.is_(None))
        )
        assert last == 0


@pytest.mark.slow  # the bulk data
def test_reminders_and_redos_agree_with_the_timeline(generated: Engine) -> None:
    with Session(generated) as session:
        counted = session.scalar(select(func.sum(ServiceRequest.reminder_count)))
        events = session.scalar(select(func.count()).where(Event.kind == EventKind.REMINDED))
        assert counted and counted == events
        redone = session.scalar(select(func.count()).where(ServiceRequest.redo_count > 0))
        assert redone and redone == session.scalar(
            select(func.count(func.distinct(Event.request_id))).where(
                Event.kind == EventKind.STATUS_CHANGED, Event.data["action"].as_string() == "redo"
            )
        )
        due = session.scalars(
            select(ServiceRequest.resolution_remind_at).where(ServiceRequest.resolution_remind_at.is_not(None))
        )
        assert all(moment > NOW for moment in due)
        assert not session.scalar(
            select(func.count()).where(
                ServiceRequest.status.not_in(
                    ("submitted", "triaged", "early_intervention", "guidance", "waiting_enterprise")
                ),
                ServiceRequest.resolution_remind_at.is_not(None),
            )
        )


@pytest.mark.slow  # the bulk data
def test_results_wait_for_review_only_where_the_head_reviews_them(generated: Engine) -> None:
    with Session(generated) as session:
        stations = session.scalars(
            select(Station.review_closures)
            .join(ServiceRequest, ServiceRequest.station_id == Station.id)
            .where(ServiceRequest.status == Status.REVIEW)
        ).all()
        assert stations and all(stations)


# -- the quickstart's demo cases


def test_the_quickstart_demo_has_a_month_of_every_step_of_the_supervision_loop(
    session: Session, settings: DeskSettings
) -> None:
    seed.seed_demo_accounts(session)
    seed_demo_requests(session, settings, now=NOW)
    month = (NOW - timedelta(days=30), NOW)

    def events(kind: EventKind, *where: ColumnElement[bool]) -> int:
        """How many events of ``kind`` the month holds."""
        counted = select(func.count()).where(Event.kind == kind, Event.created_at.between(*month), *where)
        return session.scalar(counted) or 0

    def steps(action: Action) -> int:
        return events(EventKind.STATUS_CHANGED, Event.data["action"].as_string() == action.value)

    dispatched = events(EventKind.ASSIGNED, Event.actor_id != Event.data["assignee"].as_integer())
    assert dispatched and events(EventKind.RETURNED) and events(EventKind.SIGNED_FOR)
    assert events(EventKind.EXTENSION_APPROVED) and events(EventKind.EXTENSION_REFUSED)
    automatic, manual = Event.actor_id.is_(None), Event.actor_id.is_not(None)
    assert events(EventKind.REMINDED, automatic) and events(EventKind.REMINDED, manual)
    assert events(EventKind.SUPERVISION_ISSUED) and events(EventKind.SUPERVISION_ACCEPTED)
    director = seed.demo_user(session, "director@demo.jl.gov.cn")
    tiers = tier_counts(session, director, tier_clock(session, settings, NOW))
    assert all(tiers[tier] for tier in (SupervisionTier.BLUE, SupervisionTier.YELLOW, SupervisionTier.RED)), tiers
    results = session.scalars(
        select(ServiceRequest.result_category).where(ServiceRequest.resolved_at.between(*month))
    ).all()
    assert set(results) == set(ResultCategory)
    assert steps(Action.APPROVE_CLOSURE) and steps(Action.REDO)
    levels = session.scalars(select(ReturnVisit.satisfaction).where(ReturnVisit.created_at.between(*month))).all()
    assert set(levels) == set(Satisfaction)


@pytest.mark.slow  # the bulk data
def test_a_few_results_are_typical_cases_flagged_by_their_head(generated: Engine) -> None:
    with Session(generated) as session:
        flagged = session.scalars(select(ServiceRequest).where(ServiceRequest.typical_at.is_not(None))).all()
        results = session.scalar(select(func.count()).where(ServiceRequest.status.in_(RESULT_STATUSES)))
        assert 0 < len(flagged) < results / 20
        heads = {u.id: u for u in session.scalars(select(User).where(User.role == Role.DIRECTOR))}
        for request in flagged:
            assert request.status in RESULT_STATUSES and request.typical_note
            assert request.resolved_at is not None and request.resolved_at <= request.typical_at <= NOW
            assert request.typical_by_id in heads
        events = session.scalar(select(func.count()).where(Event.kind == EventKind.TYPICAL_FLAGGED))
        assert events == len(flagged)
