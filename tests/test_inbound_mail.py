"""Email in, without Flask: real mails (tests/mail_samples/) become public replies on their requests through the
reply form's operation, or are refused whole with a reason, logged, and answered through the outbox."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import (
    Attachment,
    EventKind,
    InboundOutcome,
    Message,
    OutboundMail,
    ServiceRequest,
    Status,
)
from service.operations.inbound_mail import (
    INACTIVE_SENDER,
    NOT_A_REPLY,
    NOT_ALLOWED,
    UNKNOWN_SENDER,
    Receipt,
    RefusalCause,
    receive_mail,
)
from service.operations.mail_reading import MALFORMED, MalformedMail, read_mail
from service.store.settings import DeskSettings
from tests.factories import People
from tests.inbound_support import (
    MAIL_IN,
    SAMPLES,
    as_the_samples_write,
    inbound_log,
    notification_about,
    plain_refusal,
    sample,
)
from tests.request_helpers import TUESDAY_10, in_status, triaged


@pytest.fixture()
def request_(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    as_the_samples_write(session, people)
    request = triaged(session, people, settings)
    notification_about(session, people, request)
    return request


def receive(session: Session, raw: bytes, settings: DeskSettings) -> Receipt:
    return receive_mail(session, raw, mail_in=MAIL_IN, settings=settings, compose_refusal=plain_refusal, now=TUESDAY_10)


def replies(session: Session, request: ServiceRequest) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.request_id == request.id).order_by(Message.id)))


def answers(session: Session) -> list[OutboundMail]:
    return list(session.scalars(select(OutboundMail).where(OutboundMail.kind == EventKind.MAIL_REFUSED)))


def stored_files(settings: DeskSettings) -> list[Path]:
    return [p for p in Path(settings.upload_folder).rglob("*") if p.is_file()]


def test_a_gmail_reply_becomes_the_owners_public_reply_without_its_quote_and_signature(
    session: Session, people: People, settings: DeskSettings, request_: ServiceRequest
) -> None:
    receipt = receive(session, sample("gmail_utf8_reply.eml"), settings)

    assert (receipt.outcome, receipt.request_id) == (InboundOutcome.ACCEPTED, request_.id)
    [reply] = replies(session, request_)
    assert (reply.author_id, reply.internal) == (people.owner.id, False)
    assert reply.body == (
        "您好，补充材料已按要求准备好，预计周五前提交。\n\n另外想确认一下：临床评价报告是否需要附上同品种比对表？"
    )
    [logged] = inbound_log(session)
    assert (logged.outcome, logged.sender, logged.subject, logged.request_id, logged.reply_id) == (
        InboundOutcome.ACCEPTED,
        "zhang.san@example-med.cn",
        "Re: 新回复: JL-2026-000001 注册申报资料咨询",
        request_.id,
        reply.id,
    )
    # The officer hears of it as of a reply on the page.
    told = session.scalars(select(OutboundMail).where(OutboundMail.user_id == people.staff.id)).all()
    assert [m.kind for m in told] == [EventKind.REPLY]


def test_foxmails_gbk_labelled_gb2312_is_read_whole_and_its_original_message_block_dropped(
    session: Session, people: People, settings: DeskSettings, request_: ServiceRequest
) -> None:
    assert receive(session, sample("foxmail_gbk_reply.eml"), settings).outcome == InboundOutcome.ACCEPTED
    [reply] = replies(session, request_)
    # 喆 and 镕 are GBK characters outside GB2312: read as GB18030, not replaced.
    assert reply.body == "王老师您好：\n  样机已送检，检验报告出来后第一时间上传。喆镕公司李四"
    assert reply.author_id == people.colleague.id
    assert inbound_log(session)[0].subject == "回复：状态变更: JL-2026-000001 注册申报资料咨询"


def test_outlook_mail_to_the_requests_reply_address_brings_its_gb18030_text_and_its_file(
    session: Session, people: People, settings: DeskSettings, request_: ServiceRequest
) -> None:
    """No In-Reply-To: the request is found by its signed plus address. The sender is its officer."""
    receipt = receive(session, sample("outlook_gb18030_attachment.eml", request_), settings)

    assert receipt.outcome == InboundOutcome.ACCEPTED
    [reply] = replies(session, request_)
    assert (reply.author_id, reply.body) == (people.staff.id, "您好：\n\n附件为补充的产品技术要求，请查收。\n\n王五")
    [attachment] = session.scalars(select(Attachment).where(Attachment.message_id == reply.id))
    assert (attachment.original_name, attachment.content_type) == ("产品技术要求.pdf", "application/pdf")
    assert len(stored_files(settings)) == 1
    # The officer answered: the request's first response is stamped, the enterprise is told.
    session.refresh(request_)
    assert request_.first_responded_at is not None


def test_html_only_mail_is_turned_into_text_without_its_quoted_part(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    assert receive(session, sample("html_only_reply.eml"), settings).outcome == InboundOutcome.ACCEPTED
    assert [r.body for r in replies(session, request_)] == ["收到，谢谢指导！\n\n我们会按照一企一策的安排推进。"]


def test_a_picture_pasted_into_the_reply_is_kept_as_its_file(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    assert receive(session, sample("iphone_inline_image.eml"), settings).outcome == InboundOutcome.ACCEPTED
    [reply] = replies(session, request_)
    assert reply.body == "样机铭牌照片见下图。"
    [attachment] = session.scalars(select(Attachment).where(Attachment.message_id == reply.id))
    assert (attachment.original_name, attachment.content_type) == ("image-1.png", "image/png")


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.WAITING_ENTERPRISE])
def test_a_reply_by_mail_takes_the_steps_a_reply_on_the_page_takes(
    session: Session, people: People, settings: DeskSettings, status: Status
) -> None:
    """Within the window a reply reopens a resolved request; it hands a request waiting for the enterprise back."""
    as_the_samples_write(session, people)
    request = in_status(session, people, settings, status)
    notification_about(session, people, request)

    assert receive(session, sample("gmail_utf8_reply.eml"), settings).outcome == InboundOutcome.ACCEPTED
    session.refresh(request)
    assert request.status not in (Status.RESOLVED, Status.WAITING_ENTERPRISE)
    assert request.status in (Status.TRIAGED, Status.EARLY_INTERVENTION, Status.GUIDANCE)


def test_a_closed_request_takes_no_reply_by_mail(session: Session, people: People, settings: DeskSettings) -> None:
    as_the_samples_write(session, people)
    request = in_status(session, people, settings, Status.CLOSED)
    notification_about(session, people, request)

    receipt = receive(session, sample("gmail_utf8_reply.eml"), settings)
    assert (receipt.outcome, receipt.cause) == (InboundOutcome.REFUSED, RefusalCause.INVALID)
    assert "closed" in receipt.describe()
    assert replies(session, request) == []


def test_a_forged_sender_is_refused_nothing_stored_and_answered_in_both_languages(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    receipt = receive(session, sample("forged_sender.eml"), settings)

    assert (receipt.outcome, receipt.cause, receipt.reason) == (
        InboundOutcome.REFUSED,
        RefusalCause.NOT_PERMITTED,
        UNKNOWN_SENDER,
    )
    assert replies(session, request_) == []
    [logged] = inbound_log(session)
    assert (logged.outcome, logged.sender, logged.reason, logged.reply_id) == (
        InboundOutcome.REFUSED,
        "zhangsan.med@free-mail.example",
        UNKNOWN_SENDER,
        None,
    )
    [answer] = answers(session)
    assert answer.address == "zhangsan.med@free-mail.example"
    # Not tied to the request: whoever wrote the From line may be no one of it.
    assert answer.request_id is None and answer.user_id is None
    assert answer.text_body is not None and answer.text_body.startswith("zh+en|张三（长春新区某医疗器械有限公司）|")


def test_a_user_of_another_enterprise_may_not_reply_on_the_request(
    session: Session, people: People, settings: DeskSettings, request_: ServiceRequest
) -> None:
    people.other_enterprise.email, people.other_enterprise.locale = "zhang.san@example-med.cn", "en"
    people.owner.email = "owner@example-med.cn"
    session.commit()

    receipt = receive(session, sample("gmail_utf8_reply.eml"), settings)
    assert (receipt.outcome, receipt.reason) == (InboundOutcome.REFUSED, NOT_ALLOWED)
    assert replies(session, request_) == []
    [answer] = answers(session)
    assert (answer.user_id, answer.language) == (people.other_enterprise.id, "en")
    assert answer.text_body is not None and answer.text_body.startswith("en|")


def test_a_deactivated_account_is_refused(
    session: Session, people: People, settings: DeskSettings, request_: ServiceRequest
) -> None:
    people.owner.active = False
    session.commit()
    receipt = receive(session, sample("gmail_utf8_reply.eml"), settings)
    assert (receipt.outcome, receipt.reason) == (InboundOutcome.REFUSED, INACTIVE_SENDER)
    assert replies(session, request_) == []


def test_a_mail_with_broken_mime_is_refused_with_the_reason_and_nothing_half_stored(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    receipt = receive(session, sample("broken_mime.eml"), settings)

    assert (receipt.outcome, receipt.cause, receipt.reason) == (
        InboundOutcome.REFUSED,
        RefusalCause.UNREADABLE,
        MALFORMED,
    )
    assert replies(session, request_) == [] and stored_files(settings) == []
    [logged] = inbound_log(session)
    assert (logged.message_id, logged.sender, logged.subject) == (
        "<broken-0001@example-med.cn>",
        "zhang.san@example-med.cn",
        "回复：补充材料",
    )
    assert logged.reason_params == {"detail": "StartBoundaryNotFoundDefect"}
    assert len(answers(session)) == 1


def test_a_forbidden_file_refuses_the_whole_mail(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    receipt = receive(session, sample("forbidden_attachment.eml"), settings)

    assert (receipt.outcome, receipt.cause) == (InboundOutcome.REFUSED, RefusalCause.INVALID)
    assert "setup.exe: this type of file is not accepted" in receipt.describe()
    assert replies(session, request_) == [] and stored_files(settings) == []
    assert session.scalars(select(Attachment)).all() == []
    [answer] = answers(session)
    assert answer.text_body is not None and "setup.exe" in answer.text_body


def test_a_file_over_the_upload_limit_refuses_the_whole_mail(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    small = replace(settings, max_attachment_bytes=50)
    receipt = receive(session, sample("outlook_gb18030_attachment.eml", request_), small)
    assert receipt.outcome == InboundOutcome.REFUSED
    assert "产品技术要求.pdf is larger than the limit" in receipt.describe()
    assert replies(session, request_) == [] and stored_files(small) == []


def test_a_mail_seen_twice_is_stored_once_and_a_refused_one_answered_once(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    for _ in range(2):
        receive(session, sample("gmail_utf8_reply.eml"), settings)
        receive(session, sample("forged_sender.eml"), settings)

    assert len(replies(session, request_)) == 1
    assert len(answers(session)) == 1
    assert [m.outcome for m in inbound_log(session)] == [
        InboundOutcome.ACCEPTED,
        InboundOutcome.REFUSED,
        InboundOutcome.DUPLICATE,
        InboundOutcome.DUPLICATE,
    ]


def test_an_automatic_answer_is_refused_and_never_answered(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    receipt = receive(session, sample("auto_reply.eml"), settings)
    assert (receipt.outcome, receipt.reason) == (InboundOutcome.REFUSED, UNKNOWN_SENDER)
    assert answers(session) == []


def test_a_mail_answering_nothing_or_sent_to_a_forged_reply_address_belongs_to_no_request(
    session: Session, settings: DeskSettings, request_: ServiceRequest
) -> None:
    unthreaded = sample("gmail_utf8_reply.eml").replace(b"In-Reply-To:", b"X-Was:").replace(b"References:", b"X-R:")
    forged_tag = sample("outlook_gb18030_attachment.eml").replace(
        b"desk+TAG@", f"desk+r{request_.id}-0123456789abcdef@".encode()
    )
    for raw in (unthreaded, forged_tag):
        receipt = receive(session, raw, settings)
        assert (receipt.outcome, receipt.cause, receipt.reason) == (
            InboundOutcome.REFUSED,
            RefusalCause.NO_RECIPIENT,
            NOT_A_REPLY,
        )
    assert replies(session, request_) == []


def test_a_damaged_mail_is_refused_as_unreadable_never_with_a_crash() -> None:
    """Samples with bytes changed, cut or inserted where parsers stumble (encoded words, boundaries, address
    punctuation): each is read, or refused as unreadable; no other error reaches the mail server's pipe."""
    rng = random.Random(24)
    originals = [p.read_bytes() for p in sorted(SAMPLES.iterdir())]
    troublemakers = [b"=?", b"?=", b"\r\n", b"--", b"boundary=", b"\x00", b";", b'"', b"=?gb2312?B?", b"*0*="]
    troublemakers += [b"<", b">", b":", b","]
    refused = 0
    for _ in range(400):
        raw = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 20)):
            at = rng.randrange(len(raw))
            roll = rng.random()
            if roll < 0.4:
                raw[at] = rng.randrange(256)
            elif roll < 0.7:
                del raw[at : at + rng.randint(1, 50)]
            else:
                raw[at:at] = rng.choice(troublemakers)
        try:
            read_mail(bytes(raw))
        except MalformedMail:
            refused += 1
    assert refused > 0
