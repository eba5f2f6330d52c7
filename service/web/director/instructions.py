"""Directors' instructions: written on a case, acknowledged by its assignee, listed open and acknowledged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import Select

from service.errors import ValidationError
from service.models import Role, ServiceRequest
from service.operations import instructions as ops
from service.queries import instructions as queries
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.loading import load
from service.web.common.helpers import actor, require, station_choices
from service.web.common.kept_forms import send_back
from service.web.common.request_pages import cursor_arg
from service.web.database import db
from service.web.director.hotline import case_url
from service.web.forms import show_error
from service.web.forms.director import InstructionForm

bp = Blueprint("instructions", __name__, url_prefix="/instructions")


def open_badge() -> Select[int] | None:
    """The badge beside "My instructions" in the menu."""
    return queries.open_count_query(actor())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("nav_badges", {})["instructions.index"] = open_badge


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    user = actor()
    if not (policy.may(user, PolicyAction.DESK_USE) or policy.may(user, PolicyAction.ADMIN_USE)):
        abort(403)
    acknowledged = request.args.get("state") == "acknowledged"
    writes = policy.may(user, PolicyAction.DIRECTOR_USE)
    mine = request.args.get("mine") == "1" and writes
    station = request.args.get("station", "")
    station_id = int(station) if station.isdigit() else None
    items, next_cursor = queries.instructions_page(
        db(), user, acknowledged=acknowledged, mine=mine, station_id=station_id, cursor=cursor_arg()
    )
    params: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}  # url_for's keywords
    return render_template(
        "director/instructions.html",
        items=items,
        acknowledged=acknowledged,
        mine=mine,
        writes=writes,
        station_id=station_id,
        addressed_to_me=user.role == Role.STAFF,
        stations=station_choices() if policy.sees_every_station(user) else [],
        may_acknowledge=lambda i: policy.may_acknowledge(user, i),
        next_url=url_for("instructions.index", **params, cursor=next_cursor) if next_cursor else None,
    )


@bp.route("/request/<int:request_id>", methods=["GET", "POST"])
@require(PolicyAction.DIRECTOR_USE)
def write(request_id: int) -> ResponseReturnValue:
    case = load(db(), actor(), ServiceRequest, request_id, PolicyAction.REQUEST_VIEW)
    form = InstructionForm()
    if request.method == "GET":
        return render_template("director/instruction_form.html", form=form, case=case, case_link=case_url(case))
    if form.validate_on_submit():
        try:
            ops.write_instruction(db(), actor(), request_id, form.body.data or "")
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The instruction is on the case; the assignee has been told."), "success")
            return redirect(case_url(case))
    # Back to the case's page, whose instructions panel draws the instruction as it was sent, with the messages.
    return send_back(case_url(case), "instruction", form)


@bp.route("/<int:instruction_id>/acknowledge", methods=["POST"])
@require(PolicyAction.DESK_USE)
def acknowledge(instruction_id: int) -> ResponseReturnValue:
    instruction = ops.acknowledge_instruction(db(), actor(), instruction_id)
    flash(gettext("Instruction acknowledged."), "success")
    target = request.form.get("next", "")
    return redirect(url_for("instructions.index") if target != "case" else case_url(instruction.request))
