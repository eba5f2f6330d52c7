"""Canned replies (常用回复) for a request: the desk's reply templates filled in for it. A reply posted with one's
id (``POST /requests/{id}/messages``, ``canned_reply_id``) counts its use."""

from __future__ import annotations

from pydantic import Field

from service.errors import Forbidden
from service.operations import requests as ops
from service.queries.canned_replies import FilledReply, replies_for_request
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.app_settings import settings
from service.web.database import db

TAG = "requests"


class CannedReplyOut(s.Output):
    id: int
    title: str
    language: str = Field(description='"zh" or "en".')
    station_wide: bool = Field(description="The station's (kept by its head), else the caller's own.")
    usage_count: int = Field(description="How many sent messages used it.")
    text: str = Field(description="Its text with the variables filled in for the request.")


class CannedReplyList(s.Output):
    items: list[CannedReplyOut]


def _out(filled: FilledReply) -> CannedReplyOut:
    reply = filled.reply
    return CannedReplyOut(
        id=reply.id,
        title=reply.title,
        language=reply.language,
        station_wide=reply.station_wide,
        usage_count=reply.usage_count,
        text=filled.text,
    )


@endpoint(
    "/requests/<int:request_id>/canned-replies",
    summary="The canned replies you may use, filled in for the request, the most used first (desk).",
    tag=TAG,
    response=CannedReplyList,
)
def request_canned_replies(request_id: int) -> CannedReplyList:
    # Looked up first: a request outside the caller's scope answers 404, never a 403 that says it exists.
    found = ops.get_request(db(), caller(), request_id)
    if not policy.may(caller(), PolicyAction.DESK_USE):
        raise Forbidden()
    return CannedReplyList(
        items=[_out(filled) for filled in replies_for_request(db(), caller(), found, settings().base_url)]
    )
