"""Email in: a reply to a notification becomes a public reply on its request, through ``add_message``, the
operation of the reply form, so the lifecycle, the policy and the upload checks are the web's own.

Each mail is logged once with its outcome. Accepted: the reply and the log row commit together. Refused (not
readable, answering no request, a sender who is no user of the request's enterprise or desk, a file the upload
checks refuse): nothing of it is stored, the log says why, and the sender gets an answer through the outbox
(never an automatic sender, so two programs cannot answer each other forever). A Message-ID seen before is
logged as a duplicate and nothing else happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import N_, DomainError, Forbidden, NotFound
from service.models import EventKind, InboundMail, InboundOutcome, Message, OutboundMail, User
from service.operations.accounts import normalize_email
from service.operations.mail import DEFAULT_LANGUAGE, ComposedMail, queue_composed
from service.operations.mail_reading import MALFORMED, MalformedMail, ReceivedMail, read_mail, sender_address
from service.operations.requests import add_message
from service.rules.reply_address import request_of_address
from service.store.db import unit_of_work
from service.store.settings import DeskSettings

log = logging.getLogger(__name__)

NOT_A_REPLY = N_("The mail answers no notification of the service desk, so it belongs to no request.")
UNKNOWN_SENDER = N_("The sender's address belongs to no account of the service desk.")
INACTIVE_SENDER = N_("The sender's account is deactivated.")
NOT_ALLOWED = N_("The sender may not reply on this request.")
TOO_LONG = N_("The reply is longer than %(limit)s characters.")
# As the reply form allows.
MAX_REPLY_CHARS = 20000


class RefusalCause(StrEnum):
    """Why a mail was refused, as a mail server needs to know (the command's exit status follows it)."""

    UNREADABLE = "unreadable"
    NO_RECIPIENT = "no_recipient"
    NOT_PERMITTED = "not_permitted"
    INVALID = "invalid"


@dataclass(frozen=True)
class MailIn:
    """The settings of email in: REPLY_ADDRESS (its plus addresses name requests), the secret key that signs
    them, and the desk's own addresses (never answered)."""

    reply_address: str
    secret_key: str
    own_addresses: frozenset[str]


@dataclass(frozen=True)
class RefusalNotice:
    """What the answer to a refused mail says; ``language`` None: the sender is no user, so both languages."""

    language: str | None
    name: str
    subject: str
    reason: str
    params: dict[str, Any]


ComposeRefusal = Callable[[RefusalNotice], ComposedMail]


@dataclass(frozen=True)
class Receipt:
    outcome: InboundOutcome
    message_id: str
    reason: str = ""
    params: dict[str, Any] | None = None
    cause: RefusalCause | None = None
    request_id: int | None = None

    def describe(self) -> str:
        """The outcome in English, for a mail server's log."""
        reason = self.reason % self.params if self.params else self.reason
        where = f" on request {self.request_id}" if self.outcome == InboundOutcome.ACCEPTED else ""
        return f"{self.outcome.value} {self.message_id}{where}" + (f": {reason}" if reason else "")


class _Refused(Exception):
    def __init__(self, cause: RefusalCause, reason: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.cause, self.reason, self.params = cause, reason, params or {}


def receive_mail(
    session: Session,
    raw: bytes,
    *,
    mail_in: MailIn,
    settings: DeskSettings,
    compose_refusal: ComposeRefusal,
    now: datetime,
) -> Receipt:
    """Take one mail (RFC 822 bytes): store it as a reply, or refuse it, or drop it as a copy; log which."""
    try:
        mail = read_mail(raw)
    except MalformedMail as error:
        return _refuse(
            session,
            error.partial,
            _Refused(RefusalCause.UNREADABLE, MALFORMED, {"detail": error.detail}),
            None,
            None,
            mail_in,
            compose_refusal,
            now,
        )
    if _seen(session, mail.message_id):
        return _duplicate(session, mail, now)
    sender = session.scalars(select(User).where(User.email == normalize_email(mail.sender))).first()
    request_id = _answered_request(session, mail, mail_in)
    try:
        if request_id is None:
            raise _Refused(RefusalCause.NO_RECIPIENT, NOT_A_REPLY)
        if sender is None:
            raise _Refused(RefusalCause.NOT_PERMITTED, UNKNOWN_SENDER)
        if not sender.active:
            raise _Refused(RefusalCause.NOT_PERMITTED, INACTIVE_SENDER)
        if len(mail.text) > MAX_REPLY_CHARS:
            raise _Refused(RefusalCause.INVALID, TOO_LONG, {"limit": MAX_REPLY_CHARS})
        return _accept(session, mail, sender, request_id, settings, now)
    except _Refused as refused:
        return _refuse(session, mail, refused, sender, request_id, mail_in, compose_refusal, now)
    except IntegrityError:
        # The same mail stored by another delivery meanwhile: its processed_message_id is taken.
        if _seen(session, mail.message_id):
            return _duplicate(session, mail, now)
        raise


def _seen(session: Session, message_id: str) -> bool:
    return session.scalar(select(InboundMail.id).where(InboundMail.processed_message_id == message_id)) is not None


def _answered_request(session: Session, mail: ReceivedMail, mail_in: MailIn) -> int | None:
    """The request the mail answers: the one of a notification it names in In-Reply-To or References, else
    the one its request's reply address names."""
    if mail.answers:
        found = session.scalar(
            select(OutboundMail.request_id)
            .where(
                OutboundMail.message_id.in_(mail.answers),
                OutboundMail.request_id.is_not(None),
                OutboundMail.kind != EventKind.MAIL_REFUSED,
            )
            .limit(1)
        )
        if found is not None:
            return found
    if mail_in.reply_address:
        for address in mail.recipients:
            request_id = request_of_address(address, mail_in.reply_address, mail_in.secret_key)
            if request_id is not None:
                return request_id
    return None


def _log_row(mail: ReceivedMail, outcome: InboundOutcome, now: datetime, **values: Any) -> InboundMail:
    return InboundMail(
        message_id=mail.message_id,
        processed_message_id=None if outcome == InboundOutcome.DUPLICATE else mail.message_id,
        sender=mail.sender[:254],
        subject=mail.subject[:255],
        received_at=now,
        outcome=outcome,
        **values,
    )


def _accept(
    session: Session, mail: ReceivedMail, sender: User, request_id: int, settings: DeskSettings, now: datetime
) -> Receipt:
    def logged(message: Message) -> None:
        session.add(
            _log_row(mail, InboundOutcome.ACCEPTED, now, request_id=request_id, user_id=sender.id, reply_id=message.id)
        )
        session.flush()

    try:
        add_message(
            session, sender, request_id, mail.text, uploads=mail.uploads, settings=settings, now=now, also=logged
        )
    except (NotFound, Forbidden):
        raise _Refused(RefusalCause.NOT_PERMITTED, NOT_ALLOWED) from None
    except DomainError as error:
        raise _Refused(RefusalCause.INVALID, error.message, error.params) from None
    log.info("inbound mail %s from user %s stored on request %s", mail.message_id, sender.id, request_id)
    return Receipt(InboundOutcome.ACCEPTED, mail.message_id, request_id=request_id)


def _duplicate(session: Session, mail: ReceivedMail, now: datetime) -> Receipt:
    with unit_of_work(session):
        session.add(_log_row(mail, InboundOutcome.DUPLICATE, now))
    return Receipt(InboundOutcome.DUPLICATE, mail.message_id)


def _refuse(
    session: Session,
    mail: ReceivedMail,
    refused: _Refused,
    sender: User | None,
    request_id: int | None,
    mail_in: MailIn,
    compose_refusal: ComposeRefusal,
    now: datetime,
) -> Receipt:
    """Log the refusal and answer the sender, in one transaction; a copy refused before is only logged."""
    if _seen(session, mail.message_id):
        return _duplicate(session, mail, now)
    try:
        with unit_of_work(session):
            session.add(
                _log_row(
                    mail,
                    InboundOutcome.REFUSED,
                    now,
                    reason=refused.reason[:255],
                    reason_params=refused.params or None,
                    request_id=request_id,
                    user_id=sender.id if sender else None,
                )
            )
            session.flush()
            _answer_sender(session, mail, refused, sender, mail_in, compose_refusal, now)
    except IntegrityError:
        return _duplicate(session, mail, now)
    log.info("inbound mail %s from %s refused: %s", mail.message_id, mail.sender, refused.reason)
    return Receipt(
        InboundOutcome.REFUSED, mail.message_id, refused.reason, refused.params, refused.cause, request_id=request_id
    )


def _answer_sender(
    session: Session,
    mail: ReceivedMail,
    refused: _Refused,
    sender: User | None,
    mail_in: MailIn,
    compose_refusal: ComposeRefusal,
    now: datetime,
) -> None:
    address = sender_address(mail) if mail.sender else None
    if address is None or mail.automatic or mail.sender in mail_in.own_addresses:
        return
    language = (sender.locale or DEFAULT_LANGUAGE) if sender is not None else None
    composed = compose_refusal(
        RefusalNotice(
            language=language,
            name=(sender.name if sender else mail.sender_name) or mail.sender,
            subject=mail.subject,
            reason=refused.reason,
            params=refused.params,
        )
    )
    # No request_id: the answer goes to whoever the From line names, who may be no one of the request.
    queue_composed(
        session,
        address.addr_spec,
        address.display_name[:120],
        language,
        EventKind.MAIL_REFUSED,
        composed,
        now,
        user_id=sender.id if sender else None,
    )
