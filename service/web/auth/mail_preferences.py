"""The account's email page: for each kind of notification the user may be mailed, immediately, in a daily
digest, or not by email."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from service.errors import ValidationError
from service.models import EventKind, MailChoice
from service.operations import mail
from service.web.common.helpers import actor
from service.web.database import db
from service.web.labels import choices, domain_message

bp = Blueprint("mail_preferences", __name__)


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    user = actor()
    chosen = {kind.value: choice.value for kind, choice in mail.mail_choices(db(), user).items()}
    problems: dict[str, str] = {}
    if request.method == "POST":
        given = {kind.value: request.form.get(kind.value, "") for kind in mail.mailed_kinds(user)}
        try:
            mail.set_mail_choices(db(), user, given)
        except ValidationError as error:
            flash(domain_message(error), "error")
            chosen.update(given)
            problems = {name: gettext(message) for name, message in error.fields.items()}
        else:
            flash(gettext("Your email choices are saved."), "success")
            return redirect(url_for(".index"))
    return render_template(
        "account/mail.html",
        kinds=[EventKind(kind) for kind in chosen],
        chosen=chosen,
        problems=problems,
        options=choices(MailChoice),
        address=user.email,
    ), 400 if problems else 200
