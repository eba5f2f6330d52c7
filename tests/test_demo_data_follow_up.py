"""The generator's reminders, results, return visits and redos: the counts agree with the timeline, the
satisfaction spread is believable, nothing is reminded of the past, and results wait for review only where the
station reviews them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.models import (
    RESULT_STATUSES,
    UNSATISFIED_LEVELS,
    Event,
    EventKind,
    ReturnVisit,
    ServiceRequest,
    Station,
    Status,
    VisitChannel,
)
from tests.test_demo_data import NOW, generated  # noqa: F401 - fixture


def test_results_have_a_category_and_the_explained_ones_a_basis(generated: Engine) -> None:  # noqa: F811
    with Session(generated) as session:
        rows = session.execute(
            select(ServiceRequest.result_category, ServiceRequest.result_basis).where(
                ServiceRequest.status.in_(RESULT_STATUSES)
            )
        ).all()
        assert rows and all(category is not None for category, _ in rows)
        assert {category for category, _ in rows} == {"resolved", "explained", "not_feasible"}
        assert all((basis is None) == (category == "resolved") for category, basis in rows)


def test_visits_spread_believably_and_phone_visits_are_not_by_the_handler(generated: Engine) -> None:  # noqa: F811
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


def test_reminders_and_redos_agree_with_the_timeline(generated: Engine) -> None:  # noqa: F811
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


def test_results_wait_for_review_only_where_the_head_reviews_them(generated: Engine) -> None:  # noqa: F811
    with Session(generated) as session:
        stations = session.scalars(
            select(Station.review_closures)
            .join(ServiceRequest, ServiceRequest.station_id == Station.id)
            .where(ServiceRequest.status == Status.REVIEW)
        ).all()
        assert stations and all(stations)
