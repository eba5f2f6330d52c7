"""Directors' instructions (批示) and their acknowledgement, and escalation to the director.

Escalation is a flag with a reason, not a lifecycle state: the operations in
service.operations.escalation set and lift it; the request keeps its stage.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from service.errors import Forbidden
from service.models import Instruction
from service.operations import escalation
from service.operations import instructions as ops
from service.operations import requests as request_ops
from service.queries import instructions as queries
from service.rules import policy
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.database import db


class InstructionOut(s.Output):
    id: int
    request_id: int
    director_id: int
    assignee_id: int | None
    body: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    can_acknowledge: bool = Field(description="Whether the caller may acknowledge it now.")


class InstructionList(s.Output):
    items: list[InstructionOut]
    next_cursor: int | None


class InstructionQuery(s.Query):
    state: Literal["open", "acknowledged"] = "open"
    mine: bool = Field(False, description="Directors: only the instructions they wrote.")
    station_id: s.Id | None = Field(None, description="For those who see every station.")
    cursor: s.Id | None = Field(None, description="next_cursor of the previous page.")


class InstructionIn(s.Input):
    body: Annotated[str, s.text(5000, 1)]


class EscalateIn(s.Input):
    reason: Annotated[str, s.text(5000, 1)]


class DeEscalateIn(s.Input):
    note: Annotated[str, s.text(5000, 1)]


def instruction_out(instruction: Instruction) -> InstructionOut:
    return InstructionOut(
        **{k: getattr(instruction, k) for k in InstructionOut.model_fields if k != "can_acknowledge"},
        can_acknowledge=policy.may_acknowledge(caller(), instruction),
    )


@endpoint(
    "/instructions",
    summary="Instructions, newest first: staff see those addressed to them, directors those in their scope.",
    tag="instructions",
    query=InstructionQuery,
    response=InstructionList,
)
def list_instructions(query: InstructionQuery) -> InstructionList:
    items, next_cursor = queries.instructions_page(
        db(),
        caller(),
        acknowledged=query.state == "acknowledged",
        mine=query.mine,
        station_id=query.station_id,
        cursor=query.cursor,
    )
    return InstructionList(items=[instruction_out(i) for i in items], next_cursor=next_cursor)


@endpoint(
    "/requests/<int:request_id>/instructions",
    summary="The instructions on one case, open ones first (desk).",
    tag="instructions",
    response=InstructionList,
)
def request_instructions(request_id: int) -> InstructionList:
    panel = queries.instructions_panel(db(), caller(), request_ops.get_request(db(), caller(), request_id))
    if panel is None:
        raise Forbidden()
    return InstructionList(items=[instruction_out(i) for i in panel.instructions], next_cursor=None)


@endpoint(
    "/requests/<int:request_id>/instructions",
    "POST",
    summary="Write an instruction on an open case for its assignee (directors).",
    tag="instructions",
    body=InstructionIn,
    response=InstructionOut,
    status=201,
)
def write_instruction(request_id: int, body: InstructionIn) -> InstructionOut:
    return instruction_out(ops.write_instruction(db(), caller(), request_id, body.body))


@endpoint(
    "/instructions/<int:instruction_id>/acknowledge",
    "POST",
    summary="Acknowledge an instruction (its "
    "assignee, the case's assignee or a director); repeating it changes nothing.",
    tag="instructions",
    response=InstructionOut,
)
def acknowledge_instruction(instruction_id: int) -> InstructionOut:
    return instruction_out(ops.acknowledge_instruction(db(), caller(), instruction_id))


@endpoint(
    "/requests/<int:request_id>/escalate",
    "POST",
    summary="Escalate an open request to the station's director, with a reason (desk).",
    tag="escalation",
    body=EscalateIn,
    response=s.RequestOut,
)
def escalate_request(request_id: int, body: EscalateIn) -> s.RequestOut:
    return s.request_out(escalation.escalate_request(db(), caller(), request_id, body.reason), caller())


@endpoint(
    "/requests/<int:request_id>/de-escalate",
    "POST",
    summary="Lift an escalation, with a note (directors).",
    tag="escalation",
    body=DeEscalateIn,
    response=s.RequestOut,
)
def de_escalate_request(request_id: int, body: DeEscalateIn) -> s.RequestOut:
    return s.request_out(escalation.de_escalate_request(db(), caller(), request_id, body.note), caller())
