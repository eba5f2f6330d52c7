"""The sample mails of tests/mail_samples/ and the desk they answer: the people's addresses as the samples
write them, and a notification mail in the outbox whose Message-ID the samples' In-Reply-To names."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import EventKind, InboundMail, OutboundMail, ServiceRequest
from service.operations.inbound_mail import MailIn, RefusalNotice
from service.operations.mail import ComposedMail
from service.operations.notifications import tell_enterprise
from service.rules.reply_address import reply_address
from service.store.db import unit_of_work
from tests.factories import People
from tests.request_helpers import TUESDAY_10

SAMPLES = Path(__file__).parent / "mail_samples"
NOTIFICATION_ID = "<notification-0001@innovation-service-desk>"
REPLY_ADDRESS = "desk@example.gov.cn"
SECRET = "inbound-test-secret"
MAIL_IN = MailIn(
    reply_address=REPLY_ADDRESS, secret_key=SECRET, own_addresses=frozenset({"service-desk@localhost", REPLY_ADDRESS})
)


def sample(name: str, request: ServiceRequest | None = None) -> bytes:
    """A sample's bytes; the Outlook one is sent to ``request``'s own reply address (its placeholder tag)."""
    raw = (SAMPLES / name).read_bytes()
    if request is not None:
        raw = raw.replace(b"desk+TAG@example.gov.cn", reply_address(REPLY_ADDRESS, request.id, SECRET).encode())
    return raw


def as_the_samples_write(session: Session, people: People) -> None:
    """The senders of the samples: 张三 the owner, 李四 a colleague, 王五 the officer."""
    people.owner.email, people.owner.name = "zhang.san@example-med.cn", "张三"
    people.colleague.email, people.colleague.name = "li.si@example-med.cn", "李四"
    people.staff.email, people.staff.name = "wang.wu@example-med.cn", "王五"
    session.commit()


def notification_about(session: Session, people: People, request: ServiceRequest) -> OutboundMail:
    """The mail that told the owner of a reply on ``request``, as the samples answer it."""
    with unit_of_work(session):
        tell_enterprise(session, people.staff, request, EventKind.REPLY, TUESDAY_10)
    mail = session.scalars(
        select(OutboundMail)
        .where(OutboundMail.request_id == request.id, OutboundMail.user_id == people.owner.id)
        .order_by(OutboundMail.id.desc())
    ).first()
    assert mail is not None
    mail.message_id = NOTIFICATION_ID
    session.commit()
    return mail


def plain_refusal(notice: RefusalNotice) -> ComposedMail:
    """The answer to a refused mail, without the app's templates: what it says, in which language."""
    text = f"{notice.language or 'zh+en'}|{notice.name}|{notice.subject}|{notice.reason % notice.params}"
    return ComposedMail(subject="未受理", text=text, html=f"<p>{text}</p>")


def inbound_log(session: Session) -> list[InboundMail]:
    return list(session.scalars(select(InboundMail).order_by(InboundMail.id)))
