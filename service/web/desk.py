"""The station staff's desk."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from service.errors import NotFound
from service.models import Enterprise
from service.operations import accounts
from service.rules import policy
from service.web.database import db
from service.web.forms.admin import ConfirmForm
from service.web.helpers import actor, require

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.route("/")
@require("desk.use")
def index():  # type: ignore[no-untyped-def]
    return render_template("desk/index.html")


@bp.route("/enterprises")
@require("enterprise.verify")
def enterprises():  # type: ignore[no-untyped-def]
    user = actor()
    query = select(Enterprise).order_by(Enterprise.verified, Enterprise.id.desc()).limit(200)
    if not policy.sees_every_station(user):
        query = query.where(Enterprise.station_id == user.station_id)
    if request.args.get("unverified"):
        query = query.where(Enterprise.verified.is_(False))
    return render_template("desk/enterprises.html", enterprises=db().scalars(query).all(), confirm=ConfirmForm())


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
@require("enterprise.verify")
def verify_enterprise(enterprise_id: int):  # type: ignore[no-untyped-def]
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        enterprise = accounts.verify_enterprise(db(), actor(), enterprise_id)
    except NotFound:
        abort(404)
    flash(gettext("%(name)s is now verified.", name=enterprise.name), "success")
    return redirect(url_for("desk.enterprises"))
