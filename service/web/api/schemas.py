"""Pydantic models of the API's bodies and answers: the OpenAPI document's schemas come from these.

Inputs forbid unknown fields and are read strictly (a number is not a string);
outputs are built by the ``*_out`` functions, which decide what the caller may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import (
    Attachment,
    Category,
    Channel,
    DeviceClass,
    LifecycleStage,
    Message,
    Priority,
    ProductField,
    ProductType,
    ResultCategory,
    ReturnReason,
    Satisfaction,
    ServiceRequest,
    Status,
    User,
)
from service.queries.timeline import TimelineEntry
from service.rules import lifecycle, policy
from service.rules.policy import PolicyAction
from service.web.converters import MAX_ID


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL; reject it (and lone surrogates) rather than fail on insert.
    if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise PydanticCustomError("text_characters", "text contains characters that cannot be stored")
    return value


@dataclass(frozen=True)
class TextRules(GroupedMetadata):
    """A text field's length, and characters the database can store: ``Annotated[str, text(200, 1)]``."""

    max_length: int
    min_length: int = 0

    def __iter__(self) -> Iterator[object]:
        yield Field(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(_storable)


def text(max_length: int, min_length: int = 0) -> TextRules:
    return TextRules(max_length, min_length)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _in_utc(value: datetime) -> datetime:
    # Stored in UTC: an offset that pushes a date past year 9999 (or before year 1) cannot be stored.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "the time is out of range") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Output(BaseModel):
    pass


# ---- inputs --------------------------------------------------------------------------------------------------


class RequestIn(Input):
    title: Annotated[str, text(200, 1)]
    description: Annotated[str, text(20000, 1)]
    category: Category
    lifecycle_stage: LifecycleStage
    product_name: Annotated[str, text(200)] = ""
    device_class: DeviceClass | None = None
    product_type: ProductType | None = None
    product_field: ProductField | None = None
    innovative: bool = False
    urgent: bool = False
    channel: Channel = Field(
        Channel.API, description="Desk users opening a request on behalf of an enterprise say how it reached them."
    )
    enterprise_id: Id | None = Field(None, description="Desk users only: the enterprise the request is for.")


class MessageIn(Input):
    body: Annotated[str, text(20000, 1)]
    canned_reply_id: int | None = Field(
        None, description="The canned reply (常用回复) the text was started from, whose use is counted (desk)."
    )


class ActionIn(Input):
    action: lifecycle.Action
    reason: Annotated[str, text(5000)] = ""
    summary: Annotated[str, text(20000)] = ""
    message: Annotated[str, text(20000)] = ""
    rating: int | None = Field(None, ge=1, le=5)
    version: Id | None = Field(None, description="The version you saw (or send If-Match).")
    result_category: ResultCategory = Field(
        ResultCategory.RESOLVED,
        description="resolve: resolved, explained (with the policy basis) or not_feasible (with the reason).",
    )
    result_basis: Annotated[str, text(5000)] = Field(
        "", description="resolve: the policy basis or the reason; required unless the result is resolved."
    )
    confirmed: bool = Field(
        False,
        description="Resolve even though work is still open (without it, such a "
        "resolve answers 409 listing that work in `error.open_items`).",
    )


class EnterpriseActionIn(Input):
    reason: Annotated[str, text(5000)] = ""
    message: Annotated[str, text(20000)] = ""
    rating: int | None = Field(None, ge=1, le=5)
    version: Id | None = Field(None, description="The version you saw (or send If-Match).")


class TriageIn(Input):
    category: Category
    priority: Priority
    lifecycle_stage: LifecycleStage
    assignee_id: Id | None = None
    version: Id | None = None


class TransferIn(Input):
    station_id: Id
    reason: Annotated[str, text(5000, 1)]
    version: Id | None = None


class VersionIn(Input):
    version: Id | None = Field(None, description="The version you saw (or send If-Match).")


class ReturnIn(Input):
    reason: ReturnReason
    note: Annotated[str, text(5000)] = Field("", description="Required when the reason is other.")
    version: Id | None = Field(None, description="The version you saw (or send If-Match).")


class RequestListQuery(Query):
    status: Status | None = None
    queue: str | None = Field(
        None,
        max_length=20,
        description="open or all (enterprises); desk users also new, mine, to_sign (waiting for your sign-for), "
        "due (yours falling due within a working day, or overdue), reminded (yours reminded), supervised (yours "
        "under a supervision order), review (results waiting for the head's review), to_visit (results within "
        "the return visit's days not yet visited, but yours), unassigned, waiting, overdue, sign_overdue (not "
        "signed for in time), escalated.",
    )
    cursor: Id | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(25, ge=1, le=100)
    sort: Literal["newest", "oldest", "due"] = Field(
        "newest",
        description="newest or oldest first, or due: the resolution due soonest first (open queues; "
        "the all queue stays newest first).",
    )


class QueueQuery(RequestListQuery):
    category: Category | None = None
    priority: Priority | None = None
    lifecycle_stage: LifecycleStage | None = None
    assignee_id: Id | None = None
    station_id: Id | None = None
    escalated: bool | None = None
    text: str = Field(
        "",
        max_length=200,
        description=(
            "Words of the title, description or replies, an enterprise's name (or part of it) or credit code, a "
            "product, or a reference number (42 finds JL-2026-000042)."
        ),
    )


# ---- outputs -------------------------------------------------------------------------------------------------


class RequestOut(Output):
    id: int
    reference: str
    title: str
    description: str
    category: Category
    channel: Channel
    status: Status
    priority: Priority | None
    urgent: bool
    lifecycle_stage: LifecycleStage
    product_name: str
    device_class: DeviceClass | None
    product_type: ProductType | None
    product_field: ProductField | None
    innovative: bool
    enterprise_id: int
    station_code: str
    plan_id: int | None
    resolution_summary: str | None = Field(description="The result text the enterprise reads (办结).")
    result_category: ResultCategory | None
    result_basis: str | None = Field(description="The policy basis of an explanation, the reason of a refusal.")
    rating: int | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    version: int
    actions: list[str] = Field(description="Lifecycle actions the caller may take now (POST .../transitions).")
    extension_count: int = Field(description="Extensions of the resolution due time approved so far.")
    extension_reason: str | None = Field(
        description="Why the last approved extension moved the promised date (resolution_due_at), for the enterprise."
    )
    merged_into_id: int | None = Field(None, description="A merged duplicate's target (GET .../relations).")
    parent_id: int | None = Field(None, description="The parent of a child request (GET .../relations).")
    # Desk-only facts; null for enterprise callers.
    assignee_id: int | None = None
    escalated: bool | None = None
    first_response_breached: bool | None = None
    resolution_breached: bool | None = None
    sign_for_due_at: datetime | None = Field(None, description="When the dispatched request must be signed for.")
    signed_for_at: datetime | None = None
    return_count: int | None = Field(None, description="How many times it was returned instead of signed for.")
    return_reason: ReturnReason | None = Field(None, description="The last return's reason, until signed for again.")
    return_note: str | None = None
    extension_pending: bool | None = Field(None, description="An extension request waits for a decision.")
    reminder_count: int | None = Field(None, description="Reminders (催办) sent so far, automatic and manual.")
    last_reminded_at: datetime | None = None
    satisfaction: Satisfaction | None = Field(None, description="The last return visit's (回访) level.")
    visit_solved: bool | None = Field(None, description="Whether the last return visit found the problem solved.")
    visited_at: datetime | None = None
    redo_count: int | None = Field(None, description="How many times an unsatisfying result was redone (重办).")
    typical: bool | None = Field(None, description="A head flagged it as a typical case (典型案例) for the report.")
    typical_at: datetime | None = None
    typical_note: str | None = Field(None, description="The head's note on the typical case.")


class RequestPage(Output):
    items: list[RequestOut]
    next_cursor: int | None
    count: int
    count_capped: bool


class AttachmentOut(Output):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    internal: bool
    download_url: str


class MessageOut(Output):
    id: int
    body: str
    internal: bool
    author_name: str
    author_role: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TimelineItem(Output):
    kind: str = Field(description="event, message or attachment")
    at: datetime
    actor_name: str | None
    internal: bool
    event: str | None = Field(None, description="The event kind, for kind=event.")
    data: dict[str, Any] | None = None
    message: MessageOut | None = None
    attachments: list[AttachmentOut] = []


class RequestDetail(RequestOut):
    timeline: list[TimelineItem]


class AttachmentList(Output):
    items: list[AttachmentOut]


# ---- builders ------------------------------------------------------------------------------------------------


# What only the desk reads of a request (null for the enterprise).
DESK_ONLY = (
    "assignee_id",
    "escalated",
    "first_response_breached",
    "resolution_breached",
    "sign_for_due_at",
    "signed_for_at",
    "return_count",
    "return_reason",
    "return_note",
    "extension_pending",
    "reminder_count",
    "last_reminded_at",
    "satisfaction",
    "visit_solved",
    "visited_at",
    "redo_count",
    "typical",
    "typical_at",
    "typical_note",
)
# The result waiting for the head's review (办结审核) is not the enterprise's to read yet.
RESULT_FIELDS = ("resolution_summary", "result_category", "result_basis")


def request_out(request: ServiceRequest, viewer: User) -> RequestOut:
    return RequestOut(**_request_fields(request, viewer))


def _request_fields(request: ServiceRequest, viewer: User) -> dict[str, Any]:
    fields = {
        name: getattr(request, name)
        for name in RequestOut.model_fields
        if name not in {"station_code", "actions", *DESK_ONLY}
    }
    fields["station_code"] = request.station.code
    fields["actions"] = [t.action.value for t in lifecycle.allowed_actions(viewer, request)]
    if policy.may(viewer, PolicyAction.REQUEST_VIEW_INTERNAL, request):
        fields.update({name: getattr(request, name) for name in DESK_ONLY})
    elif request.status == Status.REVIEW:
        fields.update(dict.fromkeys(RESULT_FIELDS))
    return fields


def attachment_out(attachment: Attachment) -> AttachmentOut:
    from flask import url_for

    return AttachmentOut(
        id=attachment.id,
        name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        created_at=attachment.created_at,
        internal=attachment.internal,
        download_url=url_for("api.download_attachment", attachment_id=attachment.id),
    )


def attachments_of(session: Session, message: Message) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.message_id == message.id).order_by(Attachment.id)))


def message_out(message: Message, attachments: list[Attachment]) -> MessageOut:
    return MessageOut(
        id=message.id,
        body=message.body,
        internal=message.internal,
        author_name=message.author.name,
        author_role=message.author.role.value,
        created_at=message.created_at,
        attachments=[attachment_out(a) for a in attachments],
    )


def timeline_item(entry: TimelineEntry) -> TimelineItem:
    item = TimelineItem(
        kind=entry.kind, at=entry.at, actor_name=entry.actor.name if entry.actor else None, internal=entry.internal
    )
    if entry.event is not None:
        item.event = entry.event.kind.value
        item.data = dict(entry.event.data or {})
    if entry.message is not None:
        item.message = message_out(entry.message, entry.attachments)
    else:
        item.attachments = [attachment_out(a) for a in entry.attachments]
    return item


def request_detail(request: ServiceRequest, viewer: User, entries: list[TimelineEntry]) -> RequestDetail:
    return RequestDetail(**_request_fields(request, viewer), timeline=[timeline_item(e) for e in entries])
