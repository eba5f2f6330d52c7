"""Email from the outbox, in the web layer because it speaks the recipient's language: the message's texts
(the templates under templates/mail/, the catalogs) and its absolute links (BASE_URL), and the transport the
settings choose."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy.orm import Session

from config import Settings
from service.infrastructure.mail_transport import FileTransport, MailTransport, SmtpTransport
from service.models import EventKind, OutboundMail, Role
from service.operations.mail import ComposedMail, DeliveryReport, deliver_outbox
from service.rules.reply_address import reply_address
from service.web.common.notifications import request_endpoint, what_changed, who_changed
from service.web.common.request_display import event_title, when
from service.web.i18n import LOCALES

log = logging.getLogger(__name__)


def compose(mail: OutboundMail) -> ComposedMail:
    """The message's subject and texts in the recipient's language. Needs a request context whose base URL is
    BASE_URL (``mail_context``): the links are absolute."""
    with force_locale(mail.language if mail.language in LOCALES else "zh"):
        if mail.kind == EventKind.DIGEST:
            return _compose_digest(mail)
        title = event_title(mail.kind, mail.data)
        about = _about(mail)
        subject = gettext("%(what)s: %(about)s", what=title, about=about) if about else title
        values = {
            "mail": mail,
            "title": title,
            "about": about,
            "change": what_changed(mail),
            "who": who_changed(mail),
            "link": _link(mail),
            "organisation": gettext(current_app.extensions["settings"].organisation_name),
            "answerable": request_reply_address(current_app.extensions["settings"], mail) is not None,
        }
        return ComposedMail(
            subject=subject[:255],
            text=render_template("mail/notification.txt", **values),
            html=render_template("mail/notification.html", **values),
        )


@dataclass(frozen=True)
class DigestEntry:
    at: str
    title: str
    change: str
    who: str


@dataclass(frozen=True)
class DigestGroup:
    """A digest's entries about one request or plan, newest first."""

    about: str
    link: str
    entries: list[DigestEntry]


def _about(mail: OutboundMail) -> str:
    if mail.plan:
        return mail.plan.title
    return f"{mail.request.reference} {mail.request.title}" if mail.request else ""


def _digest_groups(items: list[OutboundMail]) -> list[DigestGroup]:
    """The gathered messages grouped by their request or plan; the group with the newest news first."""
    groups: dict[tuple[str, int | None], list[OutboundMail]] = {}
    for item in sorted(items, key=lambda m: (m.created_at, m.id), reverse=True):
        key = ("plan", item.plan_id) if item.plan_id is not None else ("request", item.request_id)
        groups.setdefault(key, []).append(item)
    return [
        DigestGroup(
            about=_about(first) or gettext("Other notifications"),
            link=_link(first),
            entries=[
                DigestEntry(when(m.created_at), event_title(m.kind, m.data), what_changed(m), who_changed(m))
                for m in group
            ],
        )
        for first, group in ((group[0], group) for group in groups.values())
    ]


def _compose_digest(mail: OutboundMail) -> ComposedMail:
    count = len(mail.items)
    subject = ngettext("Daily digest: %(num)d notification", "Daily digest: %(num)d notifications", count)
    values = {
        "mail": mail,
        "title": subject,
        "groups": _digest_groups(mail.items),
        "link": url_for("notifications.index", _external=True),
        "organisation": gettext(current_app.extensions["settings"].organisation_name),
    }
    return ComposedMail(
        subject=subject[:255],
        text=render_template("mail/digest.txt", **values),
        html=render_template("mail/digest.html", **values),
    )


def _link(mail: OutboundMail) -> str:
    if mail.plan_id is not None:
        return url_for("plans.show", plan_id=mail.plan_id, _external=True)
    endpoint = request_endpoint(mail.user.role if mail.user else Role.ADMIN)
    if mail.request_id is not None and endpoint is not None:
        return url_for(endpoint, request_id=mail.request_id, _external=True)
    return url_for("notifications.index", _external=True)


def request_reply_address(settings: Settings, mail: OutboundMail) -> str | None:
    """Where a reply to a mail about a request goes, when REPLY_ADDRESS is set: the request's own address."""
    if not settings.reply_address or mail.request_id is None or mail.kind == EventKind.MAIL_REFUSED:
        return None
    return reply_address(settings.reply_address, mail.request_id, settings.secret_key)


def sender(settings: Settings) -> Address:
    with force_locale("zh"):
        name = gettext(settings.organisation_name)
    return Address(display_name=name, addr_spec=settings.mail_from)


def transport(settings: Settings) -> MailTransport:
    """SMTP_HOST's server, or with none set (the quickstart) ``.eml`` files in MAIL_FOLDER."""
    if settings.smtp_host:
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    folder = Path(settings.mail_folder)
    log.info("No SMTP_HOST: mail is written as .eml files into %s", folder)
    return FileTransport(folder)


def send_due_mail(session: Session, settings: Settings, now: datetime, limit: int | None = None) -> DeliveryReport:
    """One delivery pass of the outbox with the settings' transport (`flask send-mail`, or the job queue's task)."""
    with current_app.test_request_context(base_url=settings.base_url):
        return deliver_outbox(
            session,
            transport(settings),
            now,
            compose=compose,
            sender=sender(settings),
            limit=limit,
            reply_to=lambda mail: request_reply_address(settings, mail),
        )
