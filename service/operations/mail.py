"""Email out, from an outbox: which notifications are mailed, and the delivery pass that sends them.

``queue_mail`` runs inside the transaction of the change (``notifications.notify`` calls it), so a rolled-back
change mails nothing. ``deliver_outbox`` sends the due rows one at a time, each claimed under a row lock and
marked sent in its own transaction right after the transport accepted it: a crash between the two re-sends at
most that one message, with the same Message-ID (made when the row was written), by which receivers drop it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, NotFound, ValidationError
from service.infrastructure.mail_transport import MailTransport
from service.models import (
    EventKind,
    MailChoice,
    MailPreference,
    MailStatus,
    OutboundMail,
    Role,
    ServiceRequest,
    User,
)
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work

# What a user should hear of outside the app: a request's steps told to the enterprise (a new status, a
# reply, a new completion date, a hotline session), and the work given to the desk (a reply from the
# enterprise, an assignment, a transfer, a reminder, an instruction, a breach, a supervision order, its
# report sent back, its tier raised). In this order on the account page.
ENTERPRISE_MAILED_KINDS = (
    EventKind.STATUS_CHANGED,
    EventKind.REPLY,
    EventKind.EXTENSION_APPROVED,
    EventKind.HOTLINE_SCHEDULED,
    EventKind.HOTLINE_CANCELLED,
    EventKind.HANDED_OVER,
)
DESK_MAILED_KINDS = (
    EventKind.REPLY,
    EventKind.ASSIGNED,
    EventKind.TRANSFERRED,
    EventKind.REMINDED,
    EventKind.INSTRUCTION,
    EventKind.SLA_BREACHED,
    EventKind.SUPERVISION_ISSUED,
    EventKind.SUPERVISION_SENT_BACK,
    EventKind.SUPERVISION_TIER_RAISED,
    EventKind.EXTENSION_APPROVED,
    # A result's days for a return visit (回访) nearly over (service/operations/visit_reminders.py).
    EventKind.VISIT_DUE,
)
MAILED_KINDS = frozenset(ENTERPRISE_MAILED_KINDS + DESK_MAILED_KINDS)
DEFAULT_LANGUAGE = "zh"
CHOOSE_ONE = N_("Choose immediately, daily digest or not by email.")
MAX_ATTEMPTS = 8
# Retries wait 1, 2, 4, ... minutes: eight attempts span about four hours of an SMTP server being down.
FIRST_RETRY = timedelta(minutes=1)


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@innovation-service-desk>"


def queue_mail(
    session: Session,
    recipients: Iterable[int] | Select[int],
    request: ServiceRequest | None,
    kind: EventKind,
    now: datetime,
    *,
    exclude: int | None = None,
    data: dict[str, Any] | None = None,
    plan_id: int | None = None,
) -> None:
    """One outbox row per active recipient (but ``exclude``) with an address, if ``kind`` is mailed and the
    recipient has not turned it off; a row for a recipient who chose the daily digest waits for it."""
    if kind not in MAILED_KINDS:
        return
    who = recipients.scalar_subquery() if isinstance(recipients, Select) else sorted(set(recipients))
    chosen = (
        select(MailPreference.choice)
        .where(MailPreference.user_id == User.id, MailPreference.kind == kind)
        .scalar_subquery()
    )
    query = select(User.id, User.email, User.name, User.locale, chosen).where(
        User.id.in_(who), User.active.is_(True), User.email != ""
    )
    if exclude is not None:
        query = query.where(User.id != exclude)
    rows = [
        {
            "user_id": user_id,
            "address": email,
            "display_name": name,
            "language": locale or DEFAULT_LANGUAGE,
            "kind": kind,
            "request_id": request.id if request else None,
            "plan_id": plan_id,
            "actor_id": exclude,
            "data": data,
            "message_id": new_message_id(),
            "status": MailStatus.DIGEST if choice == MailChoice.DIGEST else MailStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for user_id, email, name, locale, choice in session.execute(query)
        if choice != MailChoice.NONE
    ]
    if rows:
        session.execute(OutboundMail.__table__.insert(), rows)


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str


def queue_composed(
    session: Session,
    address: str,
    display_name: str,
    language: str | None,
    kind: EventKind,
    composed: ComposedMail,
    now: datetime,
    *,
    user_id: int | None = None,
) -> None:
    """One outbox row for a message already written (a link only its addressee may see: a password recovery, an
    invitation; the answer to a refused inbound mail), due at once and never held for a digest; ``user_id`` None
    for an address with no account."""
    session.add(
        OutboundMail(
            user_id=user_id,
            address=address,
            display_name=display_name,
            language=language or DEFAULT_LANGUAGE,
            kind=kind,
            subject=composed.subject[:255],
            text_body=composed.text,
            html_body=composed.html,
            message_id=new_message_id(),
            status=MailStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
    )


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int


def build_message(mail: OutboundMail, sender: Address, reply_to: str | None = None) -> EmailMessage:
    """The message as it goes out; the default policy encodes Chinese subjects and names (RFC 2047). A mail
    about a request may name the request's reply address (service/operations/inbound_mail.py reads replies)."""
    message = EmailMessage()
    message["Subject"] = mail.subject or ""
    message["From"] = sender
    message["To"] = Address(display_name=mail.display_name, addr_spec=mail.address)
    if reply_to:
        message["Reply-To"] = Address(display_name=sender.display_name, addr_spec=reply_to)
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text_body or "")
    message.add_alternative(mail.html_body or "", subtype="html")
    return message


def deliver_outbox(
    session: Session,
    transport: MailTransport,
    now: datetime,
    *,
    compose: Callable[[OutboundMail], ComposedMail],
    sender: Address,
    limit: int | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    reply_to: Callable[[OutboundMail], str | None] = lambda mail: None,
) -> DeliveryReport:
    """Send the pending rows due by ``now`` (at most ``limit``); a failed one waits 1, 2, 4 … minutes, and
    after ``max_attempts`` is marked failed (an administrator may queue it again)."""
    sent = retrying = failed = 0
    try:
        while limit is None or sent + retrying + failed < limit:
            with unit_of_work(session):
                mail = _claim_due(session, now)
                if mail is None:
                    break
                if mail.subject is None:
                    composed = compose(mail)
                    mail.subject, mail.text_body, mail.html_body = composed.subject, composed.text, composed.html
                try:
                    transport.send(build_message(mail, sender, reply_to(mail)))
                except OSError as error:
                    mail.attempts += 1
                    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
                    if mail.attempts >= max_attempts:
                        mail.status = MailStatus.FAILED
                        failed += 1
                    else:
                        mail.next_attempt_at = now + FIRST_RETRY * 2 ** (mail.attempts - 1)
                        retrying += 1
                    continue
                mail.attempts += 1
                mail.status = MailStatus.SENT
                mail.sent_at = now
                mail.last_error = ""
                sent += 1
    finally:
        transport.close()
    return DeliveryReport(sent=sent, retrying=retrying, failed=failed)


def _claim_due(session: Session, now: datetime) -> OutboundMail | None:
    # SKIP LOCKED: two delivery passes at once (cron and a job worker) never send the same row together.
    return session.scalars(
        select(OutboundMail)
        .where(OutboundMail.status == MailStatus.PENDING, OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def retry_failed(session: Session, actor: User, mail_id: int, now: datetime) -> OutboundMail:
    """An administrator queues a failed message again, from its first attempt, due at once.

    Raises Forbidden, NotFound (no such message, or it is no longer failed: retried already, or sent).
    """
    with unit_of_work(session):
        policy.authorize(actor, PolicyAction.MAIL_RETRY, None)
        mail = session.get(OutboundMail, mail_id, with_for_update=True)
        if mail is None or mail.status != MailStatus.FAILED:
            raise NotFound()
        mail.status = MailStatus.PENDING
        mail.attempts = 0
        mail.next_attempt_at = now
    return mail


def mailed_kinds(user: User) -> tuple[EventKind, ...]:
    """The kinds of notification ``user`` may be mailed, as the account page lists them."""
    if user.role == Role.ENTERPRISE:
        return ENTERPRISE_MAILED_KINDS
    if user.role == Role.ADMIN:
        return ()
    return DESK_MAILED_KINDS


def mail_choices(session: Session, user: User) -> dict[EventKind, MailChoice]:
    """The user's choice for each kind they may be mailed (immediately where none is stored)."""
    # .all(): a Result has keys(), so dict() would take it for a mapping.
    stored: dict[EventKind, MailChoice] = dict(
        session.execute(
            select(MailPreference.kind, MailPreference.choice).where(MailPreference.user_id == user.id)
        ).all()
    )
    return {kind: stored.get(kind, MailChoice.IMMEDIATELY) for kind in mailed_kinds(user)}


def set_mail_choices(session: Session, user: User, choices: dict[str, str]) -> dict[EventKind, MailChoice]:
    """Store the user's own choices, given as the form sends them (kind value -> choice value).

    Raises ValidationError when a kind the user may be mailed has no valid choice.
    """
    valid = {choice.value for choice in MailChoice}
    wrong = {kind.value: CHOOSE_ONE for kind in mailed_kinds(user) if choices.get(kind.value) not in valid}
    if wrong:
        raise ValidationError(CORRECT_FIELDS, fields=wrong)
    with unit_of_work(session):
        session.execute(delete(MailPreference).where(MailPreference.user_id == user.id))
        rows = [
            {"user_id": user.id, "kind": kind, "choice": MailChoice(choices[kind.value])}
            for kind in mailed_kinds(user)
            if choices[kind.value] != MailChoice.IMMEDIATELY
        ]
        if rows:
            session.execute(MailPreference.__table__.insert(), rows)
    return mail_choices(session, user)
