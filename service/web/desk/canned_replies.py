"""The canned replies page (常用回复): an officer's own, and the station's for its head and the administrator to
write; the request page's picker puts one into the reply box (templates/desk/_canned_replies.html)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from service.errors import Conflict, ValidationError
from service.models import CannedReply, Role, User
from service.operations.canned_replies import (
    CannedReplyFields,
    create_canned_reply,
    delete_canned_reply,
    get_canned_reply,
    update_canned_reply,
)
from service.queries.canned_replies import canned_replies_of, replies_for_request
from service.rules.canned_replies import VARIABLES
from service.rules.policy import PolicyAction
from service.web.app_settings import settings
from service.web.common.helpers import actor, require, station_choices
from service.web.common.request_pages import request_or_404
from service.web.database import db
from service.web.desk.plan_support import ask_first
from service.web.forms import show_error
from service.web.forms.canned_replies import CannedReplyForm, EditCannedReplyForm

bp = Blueprint("canned_replies", __name__, url_prefix="/desk/canned-replies")


def _keeps_station_replies(user: User) -> bool:
    """A station's head (its director) and the administrator write the station's canned replies."""
    return user.role in (Role.DIRECTOR, Role.ADMIN)


def _fields(form: EditCannedReplyForm, station_wide: bool = False, station_id: int | None = None) -> CannedReplyFields:
    return CannedReplyFields(
        title=form.title.data or "",
        body=form.body.data or "",
        language=form.language.data or "",
        station_wide=station_wide,
        station_id=station_id,
    )


def _page(template: str, form: EditCannedReplyForm, status: int = 200, **values: object) -> ResponseReturnValue:
    return render_template(template, form=form, variables=VARIABLES, **values), status


@bp.route("/")
@require(PolicyAction.CANNED_REPLIES_PAGE)
def index() -> ResponseReturnValue:
    user = actor()
    replies = canned_replies_of(db(), user)
    return render_template(
        "desk/canned_replies.html",
        mine=[r for r in replies if r.owner_id == user.id],
        station=[r for r in replies if r.station_id is not None],
        may_write_station=_keeps_station_replies(user),
        variables=VARIABLES,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(PolicyAction.CANNED_REPLIES_PAGE)
def new() -> ResponseReturnValue:
    user = actor()
    form = CannedReplyForm()
    form.station_id.choices = station_choices()
    if user.role == Role.ADMIN:
        form.scope.data = "station"
    if form.validate_on_submit():
        station_wide = user.role == Role.ADMIN or form.scope.data == "station"
        station_id = form.station_id.data if user.role == Role.ADMIN else None
        try:
            create_canned_reply(db(), user, _fields(form, station_wide, station_id))
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The canned reply is saved."), "success")
            return redirect(url_for(".index"))
    return _page(
        "desk/canned_reply_form.html",
        form,
        400 if form.errors else 200,
        reply=None,
        stale=False,
        may_write_station=_keeps_station_replies(user),
        is_admin=user.role == Role.ADMIN,
    )


@bp.route("/for/<int:request_id>")
@require(PolicyAction.DESK_USE)
def for_request(request_id: int) -> ResponseReturnValue:
    """The reader's canned replies filled in for the request, each a link back to it with the reply box started
    from it (the request page's script shows the same list in place)."""
    req = request_or_404(request_id)
    return render_template(
        "desk/canned_picker.html", req=req, replies=replies_for_request(db(), actor(), req, settings().base_url)
    )


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
@require(PolicyAction.CANNED_REPLIES_PAGE)
def edit(reply_id: int) -> ResponseReturnValue:
    reply = get_canned_reply(db(), actor(), reply_id)
    form = EditCannedReplyForm(obj=reply if request.method == "GET" else None)
    status, stale = 200, False
    if form.validate_on_submit():
        try:
            update_canned_reply(db(), actor(), reply_id, form.version.data or 0, _fields(form))
        except ValidationError as error:
            show_error(form, error)
        except Conflict as error:
            # Someone saved first: the page shows the saved text beside what this user typed, with its version.
            flash(gettext(error.message), "error")
            db().expire_all()
            reply = get_canned_reply(db(), actor(), reply_id)
            form.version.data = reply.version
            status, stale = 409, True
        else:
            flash(gettext("The canned reply is saved."), "success")
            return redirect(url_for(".index"))
    if form.errors:
        status = 400
    return _page("desk/canned_reply_form.html", form, status, reply=reply, stale=stale, may_write_station=False)


def delete_question(reply: CannedReply) -> str:
    """What deleting asks, in the browser's dialog and on the page without a script alike."""
    return gettext("Delete the canned reply “%(title)s”? Messages sent with it keep their text.", title=reply.title)


bp.add_app_template_global(delete_question, "canned_reply_delete_question")


@bp.route("/<int:reply_id>/delete", methods=["POST"])
@require(PolicyAction.CANNED_REPLIES_PAGE)
def delete(reply_id: int) -> ResponseReturnValue:
    reply = get_canned_reply(db(), actor(), reply_id)
    asking = ask_first(gettext("Delete a canned reply"), delete_question(reply), gettext("Delete"), url_for(".index"))
    if asking is not None:
        return asking
    delete_canned_reply(db(), actor(), reply_id)
    flash(gettext("The canned reply is deleted."), "success")
    return redirect(url_for(".index"))
