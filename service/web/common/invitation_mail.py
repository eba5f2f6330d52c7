"""The mail inviting a colleague to an enterprise, in the inviting administrator's language (the operation puts it
into the outbox)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, gettext

from service.models import Invitation
from service.operations import invitations
from service.operations.invitations import ComposeInvitation
from service.operations.mail import ComposedMail
from service.web.app_settings import settings
from service.web.i18n import DEFAULT_LOCALE, LOCALES
from service.web.labels import label


def composer(language: str) -> ComposeInvitation:
    """Writes an invitation's mail in ``language``, its link starting with BASE_URL (never the request's Host)."""
    language = language if language in LOCALES else DEFAULT_LOCALE

    def compose(invitation: Invitation, token: str) -> ComposedMail:
        with force_locale(language):
            values = {
                "invitation": invitation,
                "inviter": invitation.invited_by.name,
                "enterprise": invitation.enterprise.name,
                "role": label(invitation.enterprise_role),
                "link": settings().base_url + url_for("invitations.accept", token=token),
                "days": invitations.INVITATION_LIFETIME.days,
                "organisation": gettext(settings().organisation_name),
                "language": language,
            }
            return ComposedMail(
                subject=gettext(
                    "%(name)s invites you to %(enterprise)s", name=values["inviter"], enterprise=values["enterprise"]
                ),
                text=render_template("mail/invitation.txt", **values),
                html=render_template("mail/invitation.html", **values),
            )

    return compose
