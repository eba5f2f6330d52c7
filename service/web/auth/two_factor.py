"""Two-step sign-in pages: the second sign-in step, enrolment, recovery codes, and the desk's enrolment gate."""

from __future__ import annotations

import time

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from service.errors import N_, DomainError, ValidationError
from service.models import User
from service.operations import accounts, two_factor
from service.rules.policy import PolicyAction
from service.web.app_settings import settings
from service.web.common.helpers import actor, flash_domain_error, require, safe_next
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.two_factor import DisableForm, EnrolForm, RecoveryCodesForm, SecondStepForm

bp = Blueprint("two_factor", __name__)

PENDING_KEY = "two_factor_pending"
# The password step is good for this long; then the sign-in starts over.
PENDING_SECONDS = 300
# What a desk user who still has to enrol may reach.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "static",
        "main.healthz",
        "auth.logout",
        "auth.language",
        "two_factor.manage",
        "two_factor.enrol",
    }
)
SECOND_STEP_FAILED = N_("The code is not correct, or the account is locked for a while after repeated failures.")


def fresh_session() -> None:
    """Start an empty session (keeping only the language): nothing planted before sign-in survives it."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def begin_second_step(user: User, next_url: str | None) -> Response:
    """After a good password: remember, briefly and in the signed cookie only, who is half signed in."""
    fresh_session()
    session[PENDING_KEY] = {
        "user": user.id,
        "token": user.session_token,
        "until": int(time.time()) + PENDING_SECONDS,
        "next": safe_next(next_url) or "",
    }
    return redirect(url_for("two_factor.second_step"))


@bp.before_app_request
def require_enrolment() -> Response | None:
    """A desk user without two-step sign-in reaches nothing but enrolment (when the setting requires it)."""
    if not settings().require_two_factor_for_desk or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    # The API signs in with bearer tokens, never with this cookie session.
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    user = actor()
    if not two_factor.required_for(user) or two_factor.is_enabled(user):
        return None
    return redirect(url_for("two_factor.manage"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
def second_step() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or int(pending.get("until", 0)) < time.time():
        if pending is not None:
            session.pop(PENDING_KEY)
            flash(gettext("The sign-in took too long; please enter your password again."), "warning")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if form.validate_on_submit():
        try:
            user = two_factor.verify_second_step(
                db(),
                int(pending["user"]),
                str(pending["token"]),
                form.code.data or "",
                request.remote_addr or "unknown",
            )
        except accounts.AuthenticationFailed:
            flash(gettext(SECOND_STEP_FAILED), "error")
        else:
            fresh_session()
            login_user(user)
            return redirect(safe_next(pending.get("next")) or url_for("main.home"))
    return render_template("auth/two_factor.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/account/two-factor")
@login_required
def manage() -> ResponseReturnValue:
    user = actor()
    if two_factor.is_enabled(user):
        return _render_status(user, RecoveryCodesForm(prefix="codes"), DisableForm(prefix="disable"))
    return _render_enrolment(EnrolForm())


@bp.route("/account/two-factor/enrol", methods=["POST"])
@login_required
def enrol() -> ResponseReturnValue:
    if two_factor.is_enabled(actor()):
        return redirect(url_for("two_factor.manage"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(db(), actor(), form.code.data or "")
        except ValidationError as error:
            _show_error(form, error)
        else:
            flash(gettext("Two-step sign-in is on."), "success")
            return render_template("account/two_factor_codes.html", codes=codes)
    return _render_enrolment(form, 400)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes() -> ResponseReturnValue:
    form, disable_form = RecoveryCodesForm(prefix="codes"), DisableForm(prefix="disable", formdata=None)
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(db(), actor(), form.code.data or "")
        except ValidationError as error:
            _show_error(form, error)
        else:
            return render_template("account/two_factor_codes.html", codes=codes)
    return _render_status(actor(), form, disable_form, 400)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def disable() -> ResponseReturnValue:
    codes_form, form = RecoveryCodesForm(prefix="codes", formdata=None), DisableForm(prefix="disable")
    if form.validate_on_submit():
        try:
            two_factor.disable_two_factor(db(), actor(), form.code.data or "")
        except ValidationError as error:
            _show_error(form, error)
        else:
            flash(gettext("Two-step sign-in is off."), "success")
            return redirect(url_for("two_factor.manage"))
    return _render_status(actor(), codes_form, form, 400)


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def reset(user_id: int) -> ResponseReturnValue:
    try:
        user = two_factor.reset_two_factor(db(), actor(), user_id)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(
            gettext(
                "Two-step sign-in of %(email)s was reset; they set it up again at their next sign-in.", email=user.email
            ),
            "success",
        )
    return redirect(url_for("admin.users"))


def _show_error(form: FlaskForm, error: ValidationError) -> None:
    if error.fields:
        show_error(form, error)
    else:
        flash_domain_error(error)


def _render_status(
    user: User, codes_form: RecoveryCodesForm, disable_form: DisableForm, status: int = 200
) -> ResponseReturnValue:
    remaining = two_factor.remaining_recovery_codes(db(), user.id)
    return render_template(
        "account/two_factor.html",
        enabled=True,
        remaining=remaining,
        codes_form=codes_form,
        disable_form=disable_form,
        required=two_factor.required_for(user),
    ), status


def _render_enrolment(form: EnrolForm, status: int = 200) -> ResponseReturnValue:
    enrolment = two_factor.start_enrolment(db(), actor(), issuer=gettext(two_factor.ISSUER))
    qr = segno.make(enrolment.uri, error="m").svg_data_uri(scale=5, dark="#1f2d3d")
    secret_groups = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
    return render_template(
        "account/two_factor.html",
        enabled=False,
        form=form,
        qr=qr,
        secret=secret_groups,
        uri=enrolment.uri,
        required=two_factor.required_for(actor()),
    ), status
