"""System administration: desk accounts and their stations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from service.errors import DomainError, ValidationError
from service.models import Role, Station, User
from service.models.base import utcnow
from service.operations import accounts, mail
from service.queries import mail as mail_queries
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, flash_domain_error, require, station_choices, station_name
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.admin import DeskUserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@require(PolicyAction.ADMIN_USE)
def users() -> ResponseReturnValue:
    role = request.args.get("role", "")
    query = select(User).order_by(User.role, User.id)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    return render_template("admin/users.html", users=db().scalars(query.limit(500)).all(), role=role, roles=list(Role))


@bp.route("/users/new", methods=["GET", "POST"])
@require(PolicyAction.ADMIN_USE)
def new_user() -> ResponseReturnValue:
    form = DeskUserForm()
    form.station_id.choices = station_choices()
    if form.validate_on_submit():
        try:
            user = accounts.create_desk_user(
                db(),
                actor(),
                accounts.DeskUserForm(
                    email=form.email.data or "",
                    name=form.name.data or "",
                    role=Role(form.role.data),
                    station_id=form.station_id.data or 0,
                    password=form.password.data or "",
                    phone=form.phone.data or "",
                ),
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def set_active(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    try:
        user = accounts.set_user_active(db(), actor(), user_id, active)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(
            gettext("Account %(email)s activated.", email=user.email)
            if active
            else gettext("Account %(email)s deactivated.", email=user.email),
            "success",
        )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def reset_password(user_id: int) -> ResponseReturnValue:
    try:
        user, temporary = accounts.reset_password(db(), actor(), user_id)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("admin.users"))
    # Rendered, not flashed: the temporary password must not travel in the session cookie.
    return render_template("admin/password_reset.html", user=user, temporary=temporary)


@bp.route("/stations")
@require(PolicyAction.ADMIN_USE)
def stations() -> ResponseReturnValue:
    return render_template(
        "admin/stations.html", stations=db().scalars(select(Station).order_by(Station.is_hub.desc(), Station.id)).all()
    )


@bp.route("/stations/<int:station_id>/review-closures", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def set_review_closures(station_id: int) -> ResponseReturnValue:
    review = request.form.get("review") == "1"
    try:
        station = accounts.set_review_closures(db(), actor(), station_id, review)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(
            gettext(
                "%(station)s: the head now reviews each result before the enterprise is told.",
                station=station_name(station),
            )
            if review
            else gettext("%(station)s: results go to the enterprise without a review.", station=station_name(station)),
            "success",
        )
    return redirect(url_for("admin.stations"))


@bp.route("/mail")
@require(PolicyAction.ADMIN_USE)
def failed_mail() -> ResponseReturnValue:
    return render_template(
        "admin/mail.html", failed=mail_queries.failed_mail(db()), pending=mail_queries.pending_count(db())
    )


@bp.route("/mail/<int:mail_id>/retry", methods=["POST"])
@require(PolicyAction.MAIL_RETRY)
def retry_mail(mail_id: int) -> ResponseReturnValue:
    try:
        found = mail.retry_failed(db(), actor(), mail_id, utcnow())
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(gettext("The message to %(address)s is queued again.", address=found.address), "success")
    return redirect(url_for("admin.failed_mail"))
