"""Email in, wired to the app: the settings, the answer to a refused mail in the sender's language (both
languages for a sender who is no user), and the two ways mail arrives (a mail server's pipe, an IMAP mailbox)."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from config import Settings
from service.infrastructure.imap_mailbox import Connect, ImapSettings, PollReport, connect, poll_mailbox
from service.models.base import utcnow
from service.operations.inbound_mail import MailIn, Receipt, RefusalCause, RefusalNotice, receive_mail
from service.operations.mail import ComposedMail
from service.web.database import db
from service.web.i18n import LOCALES

# A sender who is no user reads the answer in Chinese, then in English.
BOTH_LANGUAGES = ("zh", "en")


def mail_in(settings: Settings) -> MailIn:
    own = {settings.mail_from.lower()} | ({settings.reply_address.lower()} if settings.reply_address else set())
    return MailIn(reply_address=settings.reply_address, secret_key=settings.secret_key, own_addresses=frozenset(own))


def imap_settings(settings: Settings) -> ImapSettings:
    return ImapSettings(
        host=settings.imap_host,
        port=settings.imap_port,
        user=settings.imap_user,
        password=settings.imap_password,
        folder=settings.imap_folder,
        ssl=settings.imap_ssl,
    )


def compose_refusal(notice: RefusalNotice) -> ComposedMail:
    languages = (notice.language,) if notice.language in LOCALES else BOTH_LANGUAGES
    subjects, texts, htmls = [], [], []
    for language in languages:
        with force_locale(language):
            values = {
                "notice": notice,
                "reason": gettext(notice.reason, **notice.params),
                "organisation": gettext(current_app.extensions["settings"].organisation_name),
                "base_url": current_app.extensions["settings"].base_url,
            }
            subjects.append(gettext("Your mail was not added to the service desk"))
            texts.append(render_template("mail/inbound_refused.txt", **values))
            htmls.append(render_template("mail/inbound_refused.html", **values))
    return ComposedMail(subject=" / ".join(subjects), text="\n\n".join(texts), html="<hr>".join(htmls))


def receive(session: Session, settings: Settings, raw: bytes, now: datetime) -> Receipt:
    """One mail, as a mail server's pipe or the IMAP poll hands it over."""
    with current_app.test_request_context(base_url=settings.base_url):
        return receive_mail(
            session, raw, mail_in=mail_in(settings), settings=settings.desk, compose_refusal=compose_refusal, now=now
        )


def poll_imap(session: Session, settings: Settings, now: datetime, opener: Connect = connect) -> PollReport:
    """One pass over IMAP_FOLDER's unseen mail (`flask receive-mail --imap`, or the job every minute)."""
    return poll_mailbox(imap_settings(settings), lambda raw: receive(session, settings, raw, now), opener=opener)


# sysexits.h, as mail servers read a delivery command's status: a refused mail is returned to its sender
# (never queued again); only a temporary failure (the database down) is tried again later.
EX_DATAERR, EX_NOUSER, EX_TEMPFAIL, EX_NOPERM = 65, 67, 75, 77
EXIT_STATUS = {
    RefusalCause.UNREADABLE: EX_DATAERR,
    RefusalCause.NO_RECIPIENT: EX_NOUSER,
    RefusalCause.NOT_PERMITTED: EX_NOPERM,
    RefusalCause.INVALID: EX_DATAERR,
}


@click.command("receive-mail")
@click.option("--imap", is_flag=True, help="Read the unseen mail of IMAP_FOLDER instead of one mail on stdin.")
def receive_mail_command(imap: bool) -> None:
    """Take one mail (RFC 822) from standard input, as a mail server's pipe delivers it, or poll IMAP.

    Exit status: 0 stored (or a copy of a mail stored before), 65/67/77 refused (the reason on stderr; the
    sender is answered), 75 a temporary failure to try again.
    """
    chosen: Settings = current_app.extensions["settings"]
    try:
        if imap:
            if not chosen.imap_host:
                raise click.UsageError("IMAP_HOST is not set.")
            report = poll_imap(db(), chosen, utcnow())
            click.echo(f"IMAP {chosen.imap_host}/{chosen.imap_folder}: {report.handled} mail(s) handled")
            return
        receipt = receive(db(), chosen, sys.stdin.buffer.read(), utcnow())
    except (OSError, DBAPIError) as error:
        click.echo(f"temporary failure, try again later: {type(error).__name__}: {error}"[:500], err=True)
        sys.exit(EX_TEMPFAIL)
    if receipt.cause is not None:
        click.echo(receipt.describe(), err=True)
        sys.exit(EXIT_STATUS[receipt.cause])
    click.echo(receipt.describe())
