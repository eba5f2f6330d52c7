"""An invited colleague's way in: the link in the invitation mail opens a page to set a name and a password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user, login_user, logout_user

from service.errors import ValidationError
from service.operations import invitations
from service.web.app_settings import settings
from service.web.auth import two_factor as two_factor_web
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.colleagues import AcceptInvitationForm

bp = Blueprint("invitations", __name__, url_prefix="/invitation")


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str) -> ResponseReturnValue:
    form = AcceptInvitationForm()
    secret_key = settings().secret_key
    try:
        invitation = invitations.invitation_of_link(db(), token, secret_key)
        if form.validate_on_submit():
            user = invitations.accept_invitation(
                db(), token, form.name.data or "", form.password.data or "", secret_key, locale=str(get_locale())
            )
            if current_user.is_authenticated:
                logout_user()
            two_factor_web.fresh_session()
            login_user(user)
            flash(
                gettext(
                    "Welcome to %(enterprise)s. You see its requests, plans and hotline sessions.",
                    enterprise=invitation.enterprise.name,
                ),
                "success",
            )
            return redirect(url_for("portal.index"))
    except invitations.InvitationLinkInvalid as invalid:
        flash(gettext(invalid.message), "error")
        return redirect(url_for("auth.login"))
    except ValidationError as error:
        show_error(form, error)
    status = 400 if form.errors else 200
    return render_template("colleagues/accept.html", form=form, invitation=invitation), status
