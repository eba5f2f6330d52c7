"""Sign-for (签收), return (退回), extensions (延期申请), reminders (催办), return visits (回访) and redos (重办) of a
request, with the page's policy and versioning.

The operations (service.operations.supervision, reminders, visits, requests) do the work; a stale version
answers 409 as everywhere. A result and its review (办结, 审核) are lifecycle steps: POST .../transitions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from service.models import ExtensionRequest, ExtensionStatus, ReturnVisit, Satisfaction, VisitChannel
from service.operations import requests as request_ops
from service.operations import supervision as ops
from service.operations.reminders import remind_request
from service.operations.visits import VisitInput, record_visit
from service.rules.extensions import ExtensionAction
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings
from service.web.database import db

TAG = "supervision"
VERSIONED = ("If-Match",)


class ExtensionIn(s.Input):
    new_due_date: date = Field(description="The new completion date; due at the close of that working day.")
    public_reason: Annotated[str, s.text(5000, 1)] = Field(
        description="Shown to the enterprise beside the new promised date."
    )
    internal_note: Annotated[str, s.text(5000)] = Field("", description="For the station only.")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


class ExtensionDecisionIn(s.Input):
    decision: ExtensionAction = Field(
        description="approve or refuse (the station's head; beyond the allowed extensions the provincial "
        "director), or withdraw (the officer who asked)."
    )
    comment: Annotated[str, s.text(5000)] = Field("", description="Required when refusing.")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


class ExtensionOut(s.Output):
    id: int
    request_id: int
    status: ExtensionStatus
    asked_by_id: int
    public_reason: str
    internal_note: str
    previous_due_at: datetime | None
    new_due_at: datetime
    needs_provincial: bool = Field(description="Beyond the allowed extensions: only the provincial director decides.")
    decided_by_id: int | None
    decided_at: datetime | None
    decision_comment: str | None
    created_at: datetime


def _extension_out(extension: ExtensionRequest) -> ExtensionOut:
    return ExtensionOut.model_validate(extension, from_attributes=True)


@endpoint(
    "/requests/<int:request_id>/sign-for",
    "POST",
    summary="Sign for a request dispatched to you (or, after a transfer, to your station).",
    tag=TAG,
    body=s.VersionIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def sign_for(request_id: int, body: s.VersionIn) -> s.RequestOut:
    changed = ops.sign_for(db(), caller(), request_id, expected_version(body.version))
    return s.request_out(changed, caller())


@endpoint(
    "/requests/<int:request_id>/return",
    "POST",
    summary="Return a request dispatched to you, with a reason, instead of signing for it.",
    description="It goes back to its dispatcher unassigned; returned after a transfer, to the station that sent it.",
    tag=TAG,
    body=s.ReturnIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def return_request(request_id: int, body: s.ReturnIn) -> s.RequestOut:
    changed = ops.return_request(db(), caller(), request_id, expected_version(body.version), body.reason, body.note)
    return s.request_out(changed, caller())


@endpoint(
    "/requests/<int:request_id>/extensions",
    "POST",
    summary="Ask for an extension of the resolution due date (the request's assignee; one pending at a time).",
    tag=TAG,
    body=ExtensionIn,
    response=ExtensionOut,
    status=201,
    headers=VERSIONED,
)
def ask_extension(request_id: int, body: ExtensionIn) -> ExtensionOut:
    ask = ops.ExtensionAsk(body.new_due_date, body.public_reason, body.internal_note)
    extension = ops.ask_extension(
        db(), caller(), request_id, expected_version(body.version), ask, settings=desk_settings()
    )
    return _extension_out(extension)


@endpoint(
    "/requests/<int:request_id>/extensions/decision",
    "POST",
    summary="Approve, refuse or withdraw the request's pending extension.",
    description="Approving moves the resolution due time (the enterprise's promised date) to the date asked for.",
    tag=TAG,
    body=ExtensionDecisionIn,
    response=ExtensionOut,
    headers=VERSIONED,
)
def decide_extension(request_id: int, body: ExtensionDecisionIn) -> ExtensionOut:
    extension = ops.decide_extension(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        body.decision,
        body.comment,
        settings=desk_settings(),
    )
    return _extension_out(extension)


class RemindIn(s.Input):
    message: Annotated[str, s.text(5000, 1)] = Field(description="What the officer is reminded of.")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


@endpoint(
    "/requests/<int:request_id>/remind",
    "POST",
    summary="Remind the officer of an open request (催办; the station's head or the provincial director).",
    description="On the request's timeline and counted in reminder_count; the automatic reminders come from the "
    "SLA sweep at the configured share of each time limit and at the breach.",
    tag=TAG,
    body=RemindIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def remind(request_id: int, body: RemindIn) -> s.RequestOut:
    changed = remind_request(db(), caller(), request_id, expected_version(body.version), body.message)
    return s.request_out(changed, caller())


class VisitIn(s.Input):
    satisfaction: Satisfaction
    solved: bool = Field(description="Whether the enterprise says the problem was solved.")
    comment: Annotated[str, s.text(5000)] = ""
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


class VisitOut(s.Output):
    id: int
    request_id: int
    recorded_by_id: int
    channel: VisitChannel
    satisfaction: Satisfaction
    solved: bool | None
    comment: str
    created_at: datetime


@endpoint(
    "/requests/<int:request_id>/visits",
    "POST",
    summary="Record a phone return visit (回访) of a result (the desk, not its handler; within the visit days).",
    tag=TAG,
    body=VisitIn,
    response=VisitOut,
    status=201,
    headers=VERSIONED,
)
def visit(request_id: int, body: VisitIn) -> VisitOut:
    answer = VisitInput(body.satisfaction, body.solved, body.comment)
    recorded: ReturnVisit = record_visit(
        db(), caller(), request_id, expected_version(body.version), answer, settings=desk_settings()
    )
    return VisitOut.model_validate(recorded, from_attributes=True)


class RedoIn(s.Input):
    reason: Annotated[str, s.text(5000, 1)] = Field(description="What is to be redone.")
    new_due_date: date = Field(description="The new completion date; due at the close of that working day.")
    assignee_id: s.Id | None = Field(None, description="Another officer of the station, if the head so decides.")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


@endpoint(
    "/requests/<int:request_id>/redo",
    "POST",
    summary="Send a result its return visit found unsatisfying back for a redo (重办; the station's head).",
    tag=TAG,
    body=RedoIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def redo(request_id: int, body: RedoIn) -> s.RequestOut:
    changed = request_ops.redo_request(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        body.new_due_date,
        body.reason,
        assignee_id=body.assignee_id,
        settings=desk_settings(),
    )
    return s.request_out(changed, caller())
