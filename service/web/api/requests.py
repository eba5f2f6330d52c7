"""Requests: list, submit, read with the timeline, reply, lifecycle steps, triage, transfer, notes."""

from __future__ import annotations

from flask import request as http

from service.errors import CORRECT_FIELDS, N_, Forbidden, ValidationError
from service.models import Message
from service.operations import requests as ops
from service.queries.requests import QueueFilters, queue_page
from service.queries.timeline import timeline
from service.rules import lifecycle, policy
from service.rules.policy import PolicyAction
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings
from service.web.common.request_pages import horizons_now
from service.web.database import db

TAG = "requests"
VERSIONED = ("If-Match",)


def _page(filters: QueueFilters, query: s.RequestListQuery) -> s.RequestPage:
    user = caller()
    page = queue_page(db(), user, filters, cursor=query.cursor, limit=query.limit)
    return s.RequestPage(
        items=[s.request_out(r, user) for r in page.items],
        next_cursor=page.next_cursor,
        count=page.count,
        count_capped=page.capped,
    )


@endpoint(
    "/requests",
    summary="List the requests you may see, newest first or in ?sort= order (keyset pages).",
    tag=TAG,
    query=s.RequestListQuery,
    response=s.RequestPage,
)
def list_requests(query: s.RequestListQuery) -> s.RequestPage:
    return _page(QueueFilters(queue=query.queue or "all", status=query.status, sort=query.sort), query)


@endpoint(
    "/queue",
    summary="Desk queues with filters (staff and directors).",
    tag=TAG,
    query=s.QueueQuery,
    response=s.RequestPage,
)
def desk_queue(query: s.QueueQuery) -> s.RequestPage:
    if not policy.may(caller(), PolicyAction.DESK_USE):
        raise Forbidden()
    filters = QueueFilters(
        queue=query.queue or "open",
        status=query.status,
        category=query.category,
        priority=query.priority,
        lifecycle_stage=query.lifecycle_stage,
        assignee_id=query.assignee_id,
        station_id=query.station_id,
        escalated=query.escalated,
        text=query.text,
        sort=query.sort,
        **horizons_now(),
    )
    return _page(filters, query)


@endpoint(
    "/requests",
    "POST",
    summary="Submit a request (enterprises; desk users on behalf of one).",
    tag=TAG,
    body=s.RequestIn,
    response=s.RequestOut,
    status=201,
    headers=("Idempotency-Key",),
)
def submit_request(body: s.RequestIn) -> s.RequestOut:
    draft = ops.RequestDraft(
        title=body.title,
        description=body.description,
        category=body.category,
        lifecycle_stage=body.lifecycle_stage,
        product_name=body.product_name,
        device_class=body.device_class,
        product_type=body.product_type,
        product_field=body.product_field,
        innovative=body.innovative,
        urgent=body.urgent,
        channel=body.channel,
        idempotency_key=_idempotency_key(),
    )
    created = ops.submit_request(db(), caller(), draft, settings=desk_settings(), enterprise_id=body.enterprise_id)
    return s.request_out(created, caller())


def _idempotency_key() -> str | None:
    key = http.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > 64 or not key.isascii() or not key.isprintable():
        raise ValidationError(
            CORRECT_FIELDS, fields={"Idempotency-Key": N_("Use at most 64 printable ASCII characters.")}
        )
    return key


@endpoint(
    "/requests/<int:request_id>",
    summary="One request with its timeline (enterprises see the public part).",
    tag=TAG,
    response=s.RequestDetail,
)
def get_request(request_id: int) -> s.RequestDetail:
    user = caller()
    found = ops.get_request(db(), user, request_id)
    return s.request_detail(found, user, timeline(db(), user, found))


def _message(message: Message) -> s.MessageOut:
    return s.message_out(message, s.attachments_of(db(), message))


@endpoint(
    "/requests/<int:request_id>/messages",
    "POST",
    summary="Post a public reply.",
    tag=TAG,
    body=s.MessageIn,
    response=s.MessageOut,
    status=201,
)
def post_reply(request_id: int, body: s.MessageIn) -> s.MessageOut:
    return _message(
        ops.add_message(
            db(), caller(), request_id, body.body, settings=desk_settings(), canned_reply_id=body.canned_reply_id
        )
    )


@endpoint(
    "/requests/<int:request_id>/notes",
    "POST",
    summary="Write an internal note (desk only; never shown to the enterprise).",
    tag=TAG,
    body=s.MessageIn,
    response=s.MessageOut,
    status=201,
)
def post_note(request_id: int, body: s.MessageIn) -> s.MessageOut:
    return _message(
        ops.add_message(
            db(),
            caller(),
            request_id,
            body.body,
            internal=True,
            settings=desk_settings(),
            canned_reply_id=body.canned_reply_id,
        )
    )


def _act(request_id: int, action: lifecycle.Action, body: s.ActionIn | s.EnterpriseActionIn) -> s.RequestOut:
    desk = body if isinstance(body, s.ActionIn) else None
    changed = ops.take_action(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        action,
        reason=body.reason,
        summary=desk.summary if desk else "",
        message=body.message,
        rating=body.rating,
        confirmed=desk.confirmed if desk else False,
        result_category=desk.result_category if desk else None,
        result_basis=desk.result_basis if desk else "",
        settings=desk_settings(),
    )
    return s.request_out(changed, caller())


@endpoint(
    "/requests/<int:request_id>/transitions",
    "POST",
    summary="Take a lifecycle step by its action name (see the request's `actions`).",
    tag=TAG,
    body=s.ActionIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def transition_request(request_id: int, body: s.ActionIn) -> s.RequestOut:
    return _act(request_id, body.action, body)


def _enterprise_step(action: lifecycle.Action, summary: str) -> None:
    def view(request_id: int, body: s.EnterpriseActionIn) -> s.RequestOut:
        return _act(request_id, action, body)

    view.__name__ = f"{action.value}_request"
    endpoint(
        f"/requests/<int:request_id>/{action.value}",
        "POST",
        summary=summary,
        tag=TAG,
        body=s.EnterpriseActionIn,
        response=s.RequestOut,
        headers=VERSIONED,
    )(view)


_enterprise_step(lifecycle.Action.CONFIRM, "Confirm the resolution with a rating from 1 to 5 (closes it).")
_enterprise_step(lifecycle.Action.REOPEN, "Reopen a resolved or closed request within the reopen window (reason).")
_enterprise_step(lifecycle.Action.WITHDRAW, "Withdraw an open request (reason).")


@endpoint(
    "/requests/<int:request_id>/triage",
    "POST",
    summary="Triage or re-triage: category, priority, stage, assignee.",
    tag=TAG,
    body=s.TriageIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def triage_request(request_id: int, body: s.TriageIn) -> s.RequestOut:
    changed = ops.triage_request(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        category=body.category,
        priority=body.priority,
        lifecycle_stage=body.lifecycle_stage,
        assignee_id=body.assignee_id,
        settings=desk_settings(),
    )
    return s.request_out(changed, caller())


@endpoint(
    "/requests/<int:request_id>/transfer",
    "POST",
    summary="Hand the request to another station.",
    tag=TAG,
    body=s.TransferIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def transfer_request(request_id: int, body: s.TransferIn) -> s.RequestOut:
    changed = ops.transfer_request(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        body.station_id,
        body.reason,
        settings=desk_settings(),
    )
    return s.request_out(changed, caller())
