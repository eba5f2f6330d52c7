"""Sign-in, sign-out, enterprise registration, language choice, own account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from service.errors import RateLimited, ValidationError
from service.models import EnterpriseSize
from service.operations import accounts, password_recovery, two_factor
from service.web.app_settings import settings
from service.web.auth import two_factor as two_factor_web
from service.web.auth.recovery_mail import compose_recovery_mail
from service.web.common.helpers import actor, safe_next, station_choices
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.auth import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    RegistrationForm,
)
from service.web.i18n import LOCALES

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db(), form.email.data or "", form.password.data or "", request.remote_addr or "unknown"
            )
        except accounts.AuthenticationFailed:
            flash(gettext(accounts.LOGIN_FAILED), "error")
        else:
            if two_factor.is_enabled(user):
                return two_factor_web.begin_second_step(user, request.args.get("next"))
            # A fresh session at sign-in: nothing an attacker planted before survives.
            two_factor_web.fresh_session()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    accounts.end_sessions(db(), actor().id)
    logout_user()
    two_factor_web.fresh_session()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.station_id.choices = station_choices()
    if form.validate_on_submit():
        try:
            accounts.register_enterprise(
                db(),
                accounts.Registration(
                    company_name=form.company_name.data or "",
                    credit_code=form.credit_code.data or "",
                    city=form.city.data or "",
                    station_id=form.station_id.data or 0,
                    size=EnterpriseSize(form.size.data),
                    product_areas=form.product_areas.data or [],
                    contact_name=form.contact_name.data or "",
                    email=form.email.data or "",
                    phone=form.phone.data or "",
                    password=form.password.data or "",
                    locale=session.get("locale"),
                ),
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            # The same answer whether or not the email was registered before (the operation says why).
            flash(
                gettext(
                    "Thank you. Sign in with this email and password to submit requests; the station "
                    "will verify your company shortly. If the email was registered before, nothing was "
                    "changed: sign in with your existing password."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/language", methods=["POST"])
def language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in LOCALES:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(db(), actor().id, form.locale.data)
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db(), actor(), form.current_password.data or "", form.new_password.data or "")
        except ValidationError as error:
            show_error(form, error)
        else:
            login_user(actor())  # the old cookie is void; carry on with one for the new token
            flash(gettext("Your password has been changed; other sessions have been signed out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            password_recovery.request_recovery(
                db(),
                form.email.data or "",
                request.remote_addr or "unknown",
                settings().secret_key,
                compose_recovery_mail,
            )
        except RateLimited as limited:
            flash(
                gettext(
                    "Too many requests for a new password; nothing was sent. Wait %(minutes)s minutes and try again.",
                    minutes=-(-limited.seconds // 60),
                ),
                "error",
            )
            return render_template("auth/forgot_password.html", form=form), 429
        # The same answer whether or not the address has an account: the page tells nobody who is registered.
        return render_template("auth/forgot_password_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    form = NewPasswordForm()
    secret_key = settings().secret_key
    try:
        if form.validate_on_submit():
            password_recovery.complete_recovery(db(), token, form.new_password.data or "", secret_key)
            if current_user.is_authenticated:
                logout_user()
            two_factor_web.fresh_session()
            flash(gettext("Your new password is set and every session is signed out. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
        password_recovery.recovering_user(db(), token, secret_key)
    except password_recovery.RecoveryLinkInvalid:
        flash(gettext(password_recovery.LINK_INVALID), "error")
        return redirect(url_for("auth.forgot_password"))
    except ValidationError as error:
        show_error(form, error)
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200
