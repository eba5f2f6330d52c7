"""The password recovery mail, in the user's language (the operation puts it into the outbox)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, gettext

from service.models import User
from service.operations.mail import ComposedMail
from service.operations.password_recovery import LINK_LIFETIME
from service.web.app_settings import settings
from service.web.i18n import DEFAULT_LOCALE, LOCALES


def recovery_link(token: str) -> str:
    """The link in the mail starts with BASE_URL, never with the Host header of the request that asked for it."""
    return settings().base_url + url_for("auth.reset_password", token=token)


def compose_recovery_mail(user: User, token: str) -> ComposedMail:
    """The mail carrying the link of ``token`` to ``user``: subject, text and HTML."""
    with force_locale(user.locale if user.locale in LOCALES else DEFAULT_LOCALE):
        values = {
            "user": user,
            "link": recovery_link(token),
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
            "organisation": gettext(settings().organisation_name),
        }
        return ComposedMail(
            subject=gettext("Choose a new password"),
            text=render_template("mail/password_recovery.txt", **values),
            html=render_template("mail/password_recovery.html", **values),
        )
