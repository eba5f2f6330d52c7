"""Reference numbers: readable, sequential and gap-free per year; one request per submission."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from service.errors import ValidationError
from service.models import Enterprise, Event, ReferenceCounter, Role, ServiceRequest, User
from service.operations.attachments import Upload
from service.operations.requests import submit_request
from service.store.db import make_engine
from service.store.settings import DeskSettings
from tests import factories
from tests.conftest import Sessions
from tests.request_helpers import TUESDAY_10, People, draft, people, settings, submit  # noqa: F401


def test_numbers_are_sequential_and_readable(session, people: People, settings) -> None:
    first = submit(session, people, settings)
    second = submit(session, people, settings)
    third = submit_request(
        session, people.staff, draft(), settings=settings, enterprise_id=people.enterprise.id, now=TUESDAY_10
    )
    assert [r.sequence for r in (second, third)] == [first.sequence + 1, first.sequence + 2]
    assert first.reference == f"JL-2026-{first.sequence:06d}"
    assert len({first.reference, second.reference, third.reference}) == 3


def test_a_refused_submission_uses_no_number(session, people: People, settings) -> None:
    first = submit(session, people, settings)
    with pytest.raises(ValidationError):
        submit(session, people, settings, uploads=(Upload("x.exe", "", b"MZ"),))
    with pytest.raises(ValidationError):
        submit(session, people, settings, title="  ")
    assert submit(session, people, settings).sequence == first.sequence + 1


def test_each_year_starts_again_at_one_in_shanghai_time(session, people: People, settings) -> None:
    # 2030-12-31 16:30 UTC is already 2031-01-01 00:30 in Shanghai.
    late_2030 = submit(session, people, settings, now=datetime(2030, 12, 31, 15, 0, tzinfo=UTC))
    new_year = submit(session, people, settings, now=datetime(2030, 12, 31, 16, 30, tzinfo=UTC))
    again = submit(session, people, settings, now=datetime(2031, 3, 1, 2, 0, tzinfo=UTC))
    assert late_2030.reference == "JL-2030-000001"
    assert (new_year.reference, again.reference) == ("JL-2031-000001", "JL-2031-000002")


def test_same_idempotency_key_returns_the_same_request(session, people: People, settings) -> None:
    first = submit(session, people, settings, idempotency_key="form-123")
    again = submit(session, people, settings, idempotency_key="form-123")  # the same form sent twice
    assert again.id == first.id and again.title == first.title
    # The same key with something else in it is not a resend: refused, nothing created.
    with pytest.raises(ValidationError) as reused:
        submit(session, people, settings, idempotency_key="form-123", title="双击提交")
    assert set(reused.value.fields) == {"idempotency_key"}
    other_key = submit(session, people, settings, idempotency_key="form-124")
    assert other_key.sequence == first.sequence + 1
    # The key belongs to its submitter: a colleague's identical key is another submission.
    colleague = submit_request(
        session, people.colleague, draft(idempotency_key="form-123"), settings=settings, now=TUESDAY_10
    )
    assert colleague.id != first.id
    created = session.scalar(select(func.count(Event.id)).where(Event.request_id == first.id, Event.kind == "created"))
    assert created == 1


# --- real concurrency: own engine, real commits, cleaned up afterwards ---------------------------------

CONCURRENT_YEAR = 2099


@pytest.fixture()
def committed_submitters(database_url: str):
    engine = make_engine(database_url, pool_size=10)
    with Sessions(bind=engine, expire_on_commit=False) as session:
        enterprise = factories.enterprise(session, "JL-CCND")
        users = [factories.user(session, Role.ENTERPRISE, enterprise_=enterprise) for _ in range(3)]
        ids = [u.id for u in users]
    try:
        yield engine, ids
    finally:
        with Sessions(bind=engine) as session, session.begin():
            request_ids = select(ServiceRequest.id).where(ServiceRequest.enterprise_id == enterprise.id)
            session.execute(delete(Event).where(Event.request_id.in_(request_ids)))
            session.execute(delete(ServiceRequest).where(ServiceRequest.enterprise_id == enterprise.id))
            session.execute(delete(ReferenceCounter).where(ReferenceCounter.year == CONCURRENT_YEAR))
            session.execute(delete(User).where(User.id.in_(ids)))
            session.execute(delete(Enterprise).where(Enterprise.id == enterprise.id))
        engine.dispose()


def _submit_in_own_session(engine, user_id: int, settings: DeskSettings, key: str | None) -> tuple[int, str]:
    with Sessions(bind=engine, expire_on_commit=False) as session:
        actor = session.get(User, user_id)
        request = submit_request(
            session,
            actor,
            draft(idempotency_key=key),
            settings=settings,
            now=datetime(CONCURRENT_YEAR, 6, 1, 2, 0, tzinfo=UTC),
        )
        return request.id, request.reference


def test_fifty_concurrent_submissions_get_fifty_gap_free_numbers(committed_submitters, settings) -> None:
    engine, ids = committed_submitters
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(lambda n: _submit_in_own_session(engine, ids[n % len(ids)], settings, None), range(50)))
    references = sorted(reference for _, reference in results)
    assert references == [f"JL-{CONCURRENT_YEAR}-{n:06d}" for n in range(1, 51)]
    with Sessions(bind=engine) as session:
        assert session.get(ReferenceCounter, CONCURRENT_YEAR).last_value == 50


def test_a_double_submission_racing_itself_creates_one_request(committed_submitters, settings) -> None:
    engine, ids = committed_submitters
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: _submit_in_own_session(engine, ids[0], settings, "same-form"), range(10)))
    assert len({request_id for request_id, _ in results}) == 1
    with Sessions(bind=engine) as session:
        # The losers' numbers were given back: the next submission continues without a gap.
        assert session.get(ReferenceCounter, CONCURRENT_YEAR).last_value == 1
