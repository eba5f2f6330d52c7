"""Return visits (回访): recorded by phone by someone on the desk other than the handler, within the configured
days after the result, or online when the enterprise confirms the result with its rating.

A visit that finds the result unsatisfying, or the problem not solved, is news for the station's head, who
may have the request redone (``requests.redo_request``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, MAX_TEXT, N_, TOO_LONG, InvalidTransition, ValidationError
from service.models import EventKind, ReturnVisit, Satisfaction, ServiceRequest, User, VisitChannel
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import editing, record
from service.rules.policy import PolicyAction
from service.rules.visits import RATING_LEVELS, unsatisfied, visit_window_open
from service.store.settings import DeskSettings


@dataclass(frozen=True)
class VisitInput:
    satisfaction: Satisfaction | None
    solved: bool | None
    comment: str = ""


def _visited(
    session: Session,
    actor: User,
    request: ServiceRequest,
    channel: VisitChannel,
    satisfaction: Satisfaction,
    solved: bool | None,
    comment: str,
    now: datetime,
) -> ReturnVisit:
    visit = ReturnVisit(
        request_id=request.id,
        recorded_by_id=actor.id,
        channel=channel,
        satisfaction=satisfaction,
        solved=solved,
        comment=comment,
        created_at=now,
    )
    session.add(visit)
    request.satisfaction, request.visit_solved, request.visited_at = satisfaction, solved, now
    data: dict[str, Any] = {"channel": channel.value, "satisfaction": satisfaction.value}
    if solved is not None:
        data["solved"] = solved
    if comment:
        data["comment"] = comment
    record(session, request, EventKind.VISITED, actor, now, **data)
    if unsatisfied(request):
        notifications.notify(
            session,
            notifications.director_ids(session, request.station_id),
            request,
            EventKind.VISITED,
            now,
            exclude=actor.id,
            data={"satisfaction": satisfaction.value},
        )
    return visit


def online_visit(
    session: Session, actor: User, request: ServiceRequest, rating: int, comment: str, now: datetime
) -> ReturnVisit:
    """The enterprise's rating of the result, as an online visit (5 = very satisfied ... 1 = very unsatisfied)."""
    return _visited(session, actor, request, VisitChannel.ONLINE, RATING_LEVELS[rating], None, comment.strip(), now)


def _check(visit: VisitInput) -> str:
    problems: dict[str, str] = {}
    if visit.satisfaction is None:
        problems["satisfaction"] = N_("Choose how satisfied the enterprise is.")
    if visit.solved is None:
        problems["solved"] = N_("Say whether the problem was solved.")
    comment = visit.comment.strip()
    if len(comment) > MAX_TEXT:
        problems["comment"] = TOO_LONG
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    return comment


def record_visit(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    visit: VisitInput,
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ReturnVisit:
    """Record a phone return visit of a result not yet visited, within ``settings.return_visit_days``.

    Raises NotFound, Forbidden (the handler, the enterprise, or already visited), Conflict, ValidationError,
    InvalidTransition (the days for a visit have passed).
    """
    now = now or utcnow()
    comment = _check(visit)
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_RECORD_VISIT,
    ) as request:
        if not visit_window_open(request, settings.return_visit_days, now):
            raise InvalidTransition(N_("The days for a return visit of this result have passed."))
        assert visit.satisfaction is not None  # checked above
        return _visited(session, actor, request, VisitChannel.PHONE, visit.satisfaction, visit.solved, comment, now)
