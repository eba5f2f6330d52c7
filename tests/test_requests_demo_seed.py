"""Demo requests: every status, made by the real operations, and only once."""

from __future__ import annotations

from sqlalchemy import func, select

from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.models import Category, Event, EventKind, Message, Satisfaction, ServiceRequest, Status, User
from service.queries.monthly_report import default_month, typical_cases
from tests.request_helpers import TUESDAY_10


def test_demo_requests_cover_every_status_and_are_seeded_once(session, settings) -> None:
    seed.seed_demo_accounts(session)
    assert seed_demo_requests(session, settings, now=TUESDAY_10) == 25
    statuses = set(session.scalars(select(ServiceRequest.status).where(ServiceRequest.idempotency_key.like("demo-%"))))
    assert statuses == set(Status)
    closed = session.scalars(
        select(ServiceRequest).where(
            ServiceRequest.status == Status.CLOSED, ServiceRequest.idempotency_key.like("demo-%")
        )
    ).all()
    assert sorted(r.rating for r in closed) == [4, 5, 5] and all(r.resolution_summary for r in closed)
    assert {r.satisfaction for r in closed} == {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED}
    assert session.scalar(select(func.count(Message.id)).where(Message.internal.is_(True))) >= 1
    assert session.scalar(select(func.count(Event.id)).where(Event.kind == EventKind.CREATED)) >= 12
    assert seed_demo_requests(session, settings, now=TUESDAY_10) == 0


def test_the_demo_months_report_has_typical_cases(session, settings) -> None:
    """One demo case lies wholly in the last full month (the report's default), flagged by its head as typical."""
    seed.seed_demo_accounts(session)
    seed_demo_requests(session, settings, now=TUESDAY_10)
    director = session.scalars(select(User).where(User.email == "director@demo.jl.gov.cn")).one()
    cases = typical_cases(session, director, default_month(TUESDAY_10))
    assert Category.INNOVATIVE_SPECIAL_REVIEW in {c.request.category for c in cases}
    assert all(c.request.typical_note and c.flagged_by for c in cases)
    flagged = session.scalar(select(func.count()).where(ServiceRequest.typical_at.is_not(None)))
    assert flagged == 2
