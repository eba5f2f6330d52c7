"""The password recovery mail, in the user's language, into the outbox (delivered by `flask send-mail`)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from service.models import User
from service.operations.mail import ComposedMail
from service.operations.password_recovery import LINK_LIFETIME, queue_recovery_mail
from service.web.app_settings import settings
from service.web.i18n import DEFAULT_LOCALE, LOCALES


def recovery_link(token: str) -> str:
    """The link in the mail starts with BASE_URL, never with the Host header of the request that asked for it."""
    return settings().base_url + url_for("auth.reset_password", token=token)


def send_recovery_mail(session: Session, user: User, link: str) -> None:
    """Queue the mail carrying ``link`` to the user, in ``session``'s transaction."""
    with force_locale(user.locale if user.locale in LOCALES else DEFAULT_LOCALE):
        values = {
            "user": user,
            "link": link,
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
            "organisation": gettext(settings().organisation_name),
        }
        composed = ComposedMail(
            subject=gettext("Choose a new password"),
            text=render_template("mail/password_recovery.txt", **values),
            html=render_template("mail/password_recovery.html", **values),
        )
    queue_recovery_mail(session, user, composed)
