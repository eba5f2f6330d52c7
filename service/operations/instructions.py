"""Directors' instructions (批示) on a case, and their acknowledgement by those they are addressed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Forbidden, NotFound, ValidationError
from service.models import FINAL_STATUSES, EventKind, Instruction, ServiceRequest, User
from service.models.base import utcnow
from service.operations.notifications import notify, station_desk
from service.operations.request_support import record
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.loading import load

MAX_LENGTH = 5000


def write_instruction(
    session: Session, actor: User, request_id: int, body: str, now: datetime | None = None
) -> Instruction:
    """A director in scope instructs the case's current assignee (or, unassigned, the station's desk).

    Raises NotFound (out of scope), Forbidden (not a director), ValidationError
    (empty or too long, or the case is finished).
    """
    now = now or utcnow()
    text = body.strip()
    if not text or len(text) > MAX_LENGTH:
        raise ValidationError(CORRECT_FIELDS, fields={"body": N_("Write the instruction (at most 5000 characters).")})
    with unit_of_work(session):
        request = load(session, actor, ServiceRequest, request_id, PolicyAction.REQUEST_INSTRUCT)
        if request.status in FINAL_STATUSES:
            raise ValidationError(N_("This case is finished; instructions can no longer be given on it."))
        instruction = Instruction(
            request_id=request.id, director_id=actor.id, assignee_id=request.assignee_id, body=text, created_at=now
        )
        session.add(instruction)
        session.flush()
        record(session, request, EventKind.INSTRUCTION, actor, now, instruction_id=instruction.id, body=text)
        recipients = [request.assignee_id] if request.assignee_id else station_desk(request.station_id)
        notify(session, recipients, request, EventKind.INSTRUCTION, now, exclude=actor.id)
    return instruction


def acknowledge_instruction(
    session: Session, actor: User, instruction_id: int, now: datetime | None = None
) -> Instruction:
    """Acknowledge an open instruction; acknowledging twice changes nothing.

    Raises NotFound (out of scope, or an enterprise user), Forbidden (not one of its addressees).
    """
    now = now or utcnow()
    with unit_of_work(session):
        instruction = session.get(Instruction, instruction_id)
        if instruction is None or not policy.may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, instruction.request):
            raise NotFound()
        if instruction.acknowledged_at is not None:
            return instruction
        if not policy.may_acknowledge(actor, instruction):
            raise Forbidden(
                N_("Only those the instruction is addressed to may acknowledge it, not the director who gave it.")
            )
        instruction.acknowledged_at = now
        instruction.acknowledged_by_id = actor.id
        record(
            session, instruction.request, EventKind.INSTRUCTION_ACKNOWLEDGED, actor, now, instruction_id=instruction.id
        )
        notify(
            session,
            [instruction.director_id],
            instruction.request,
            EventKind.INSTRUCTION_ACKNOWLEDGED,
            now,
            exclude=actor.id,
        )
    return instruction
