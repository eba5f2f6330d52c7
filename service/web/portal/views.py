"""The enterprise's own pages: its requests, a new request, a request's page with replies and steps."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from service.operations.colleagues import hand_over_request
from service.operations.requests import add_message
from service.queries.requests import QueueFilters, queue_page
from service.queries.timeline import awaiting
from service.rules.policy import PolicyAction
from service.web.app_settings import desk_settings
from service.web.common.hand_over import SLOT as HAND_OVER_SLOT
from service.web.common.helpers import actor, require
from service.web.common.request_display import install_template_helpers
from service.web.common.request_pages import (
    cursor_arg,
    detail_page,
    run_edit,
    send_attachment,
    submission_page,
    take_step,
    uploads_from,
)
from service.web.database import db
from service.web.forms.colleagues import HandOverForm
from service.web.forms.requests import QUEUE_ORDERS, ReplyForm, RequestForm

bp = Blueprint("portal", __name__, url_prefix="/portal")
install_template_helpers(bp)


@bp.route("/")
@require(PolicyAction.REQUEST_SUBMIT)
def index() -> ResponseReturnValue:
    user = actor()
    queue = "all" if request.args.get("queue") == "all" else "open"
    sort = "oldest" if request.args.get("sort") == "oldest" else "newest"
    cursor = cursor_arg()
    page = queue_page(db(), user, QueueFilters(queue=queue, sort=sort), cursor=cursor)
    return render_template(
        "portal/index.html",
        page=page,
        queue=queue,
        sort=sort,
        cursor=cursor,
        orders=QUEUE_ORDERS[:2],
        enterprise=user.enterprise,
        awaiting=lambda req: gettext(awaiting(req, user)),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@require(PolicyAction.REQUEST_SUBMIT)
def new_request() -> ResponseReturnValue:
    return submission_page(RequestForm(), "portal/new.html", "portal.request_detail")


@bp.route("/requests/<int:request_id>")
@require(PolicyAction.REQUEST_SUBMIT)
def request_detail(request_id: int) -> ResponseReturnValue:
    return detail_page(request_id, "portal")


@bp.route("/requests/<int:request_id>/messages", methods=["POST"])
@require(PolicyAction.REQUEST_SUBMIT)
def reply(request_id: int) -> ResponseReturnValue:
    form = ReplyForm()

    def call() -> object:
        return add_message(
            db(),
            actor(),
            request_id,
            form.body.data or "",
            uploads=uploads_from(form.attachments),
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        "reply",
        form,
        call,
        success=gettext("Your message has been sent."),
        done_url=url_for(".request_detail", request_id=request_id),
    )


@bp.route("/requests/<int:request_id>/actions/<action_name>", methods=["POST"])
@require(PolicyAction.REQUEST_SUBMIT)
def step(request_id: int, action_name: str) -> ResponseReturnValue:
    return take_step(request_id, action_name, done_url=url_for(".request_detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/hand-over", methods=["POST"])
@require(PolicyAction.REQUEST_SUBMIT)
def hand_over(request_id: int) -> ResponseReturnValue:
    form = HandOverForm()
    form.to_user_id.choices = []
    return run_edit(
        request_id,
        HAND_OVER_SLOT,
        form,
        lambda: hand_over_request(db(), actor(), request_id, form.expected_version(), form.to_user_id.data or None),
        success=gettext("The request has been handed over; both of you have been told."),
        done_url=url_for(".request_detail", request_id=request_id),
    )


@bp.route("/attachments/<int:attachment_id>")
@require(PolicyAction.REQUEST_SUBMIT)
def download(attachment_id: int) -> ResponseReturnValue:
    return send_attachment(attachment_id)
