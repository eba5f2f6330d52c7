"""The password recovery mail, in the user's language, written as an .eml file to MAIL_FOLDER."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import url_for
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from service.models import User
from service.operations.password_recovery import LINK_LIFETIME
from service.web.app_settings import settings
from service.web.i18n import DEFAULT_LOCALE, LOCALES


def recovery_link(token: str) -> str:
    """The link in the mail: on PUBLIC_URL when set, so a forged Host header cannot send the token elsewhere."""
    base = settings().public_url.rstrip("/")
    if base:
        return base + url_for("auth.reset_password", token=token)
    return url_for("auth.reset_password", token=token, _external=True)


def send_recovery_mail(session: Session, user: User, link: str) -> None:
    """Write the mail carrying ``link`` to the user.

    ``session`` is the recovery request's transaction, for an outbox row written with it.
    """
    with force_locale(user.locale if user.locale in LOCALES else DEFAULT_LOCALE):
        message = EmailMessage()
        message["Subject"] = gettext("Choose a new password")
        message["To"] = user.email
        message["From"] = gettext(settings().organisation_name) + " <no-reply@localhost>"
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid()
        message.set_content(
            gettext(
                "Hello %(name)s,\n\nsomeone (we hope you) asked to choose a new password for your account. "
                "Open this link within %(minutes)s minutes to choose it; it works once:\n\n%(link)s\n\n"
                "If you did not ask, ignore this mail: your password stays as it is.\n",
                name=user.name,
                minutes=int(LINK_LIFETIME.total_seconds() // 60),
                link=link,
            )
        )
    folder = Path(settings().mail_folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"recovery-{user.id}-{secrets.token_hex(8)}.eml"
    path.write_bytes(message.as_bytes())
