"""Typical cases (典型案例): a head flags a result worth showing as an example, and the monthly report (月报) lists
the month's flagged results with the head's note. The flag and its removal are on the request's timeline, inside
the desk (the enterprise is not told)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, MAX_TEXT, N_, TOO_LONG, InvalidTransition, ValidationError
from service.models import EventKind, ServiceRequest, User
from service.models.base import utcnow
from service.operations.request_support import editing, record
from service.rules.policy import PolicyAction


def flag_typical_case(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    *,
    typical: bool,
    note: str = "",
    now: datetime | None = None,
) -> ServiceRequest:
    """Flag a resolved or closed request as a typical case (``typical``), or take the flag back, with a note.

    Raises NotFound, Forbidden (not a head in scope, or neither a result nor flagged), Conflict, ValidationError
    (the note is too long), InvalidTransition (already flagged, or not flagged).
    """
    now = now or utcnow()
    note = note.strip()
    if len(note) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"note": TOO_LONG})
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_FLAG_TYPICAL,
    ) as request:
        if typical == request.typical:
            raise InvalidTransition(
                N_("This request is already flagged as a typical case.")
                if typical
                else N_("This request is not flagged as a typical case.")
            )
        request.typical_at, request.typical_by_id, request.typical_note = (
            (now, actor.id, note or None) if typical else (None, None, None)
        )
        kind = EventKind.TYPICAL_FLAGGED if typical else EventKind.TYPICAL_UNFLAGGED
        data: dict[str, Any] = {"note": note} if note else {}
        record(session, request, kind, actor, now, **data)
    return request
