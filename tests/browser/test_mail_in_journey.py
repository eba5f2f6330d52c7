"""In Chromium, in both languages: the enterprise contact answers a notification by mail and reads the answer on
the request's page; a stranger's answer is refused, the administrator reads both on the Inbound mail page, and
the stranger's refusal reads as a mail program shows it."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.models import EventKind, OutboundMail, User
from service.models.base import utcnow
from service.operations.requests import add_message
from service.web.common.inbound_mail import receive
from service.web.common.mail import send_due_mail
from tests.browser.live import LiveServer, console_errors, request_in_early_intervention, shoot, sign_in

pytestmark = pytest.mark.slow
CONTACT = "contact@boshi-med.example.cn"
OFFICER = "ccnd.staff@demo.jl.gov.cn"


def _notification(live_server: LiveServer, request_id: int, folder: Path) -> EmailMessage:
    """The officer's reply on the request, as the mail the contact receives (written as .eml into ``folder``)."""
    settings = type(live_server.settings)(
        **{**live_server.settings.model_dump(), "smtp_host": "", "mail_folder": str(folder)}
    )
    with live_server.session() as session:
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        add_message(session, officer, request_id, "请补充型式检验报告。", settings=settings.desk)
        with live_server.app.app_context():
            send_due_mail(session, settings, utcnow())
        queued = session.scalars(
            select(OutboundMail.message_id).where(
                OutboundMail.request_id == request_id,
                OutboundMail.address == CONTACT,
                OutboundMail.kind == EventKind.REPLY,
            )
        ).one()
    [message] = [
        m
        for m in (message_from_bytes(f.read_bytes(), policy=policy.default) for f in folder.glob("*.eml"))
        if m["Message-ID"] == queued
    ]
    assert isinstance(message, EmailMessage)
    return message


def _answer(notification: EmailMessage, sender: str, message_id: str, text: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = notification["From"]
    reply["Subject"] = f"Re: {notification['Subject']}"
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = notification["Message-ID"]
    body = notification.get_body(("plain",))
    quoted = "\n".join(f"> {line}" for line in body.get_content().splitlines()) if body else ""
    reply.set_content(f"{text}\n\n在 2026年3月10日 10:00，服务站 写道：\n{quoted}\n")
    return reply.as_bytes()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_notification_answered_by_mail_and_a_strangers_answer_refused(
    page: Any, live_server: LiveServer, language: str, tmp_path: Path
) -> None:
    errors = console_errors(page)
    with live_server.session() as session:
        contact = session.scalars(select(User).where(User.email == CONTACT)).one()
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        contact.locale = language
        session.commit()
        contact_id, officer_id = contact.id, officer.id
    request_id = request_in_early_intervention(live_server, contact_id, officer_id, "动物实验方案咨询", "请指导。")
    notification = _notification(live_server, request_id, tmp_path)

    with live_server.app.app_context(), live_server.session() as session:
        settings = live_server.settings
        answer = _answer(notification, CONTACT, f"<journey-{language}@boshi-med.example.cn>", "报告已上传，请查收。")
        assert receive(session, settings, answer, utcnow()).request_id == request_id
        stranger = _answer(
            notification, "someone@free-mail.example", f"<stranger-{language}@free-mail.example>", "请撤回"
        )
        assert receive(session, settings, stranger, utcnow()).cause is not None
        refusal = session.scalars(
            select(OutboundMail).where(OutboundMail.kind == EventKind.MAIL_REFUSED).order_by(OutboundMail.id.desc())
        ).first()
        assert refusal is not None and refusal.html_body is not None
        refusal_html = refusal.html_body

    sign_in(page, CONTACT, language=language)
    page.goto(f"/portal/requests/{request_id}")
    assert page.get_by_text("报告已上传，请查收。").count() == 1
    assert page.get_by_text("写道").count() == 0
    shoot(page, f"mail-in-request-{language}")

    sign_in(page, "admin@demo.jl.gov.cn", language=language)
    page.goto("/admin/inbound-mail")
    rows = page.locator("main table tbody tr")
    assert rows.filter(has_text=f"journey-{language}@boshi-med.example.cn").count() == 1
    assert rows.filter(has_text="someone@free-mail.example").count() >= 1
    shoot(page, f"mail-in-admin-{language}")
    assert errors == []

    # As a mail program shows it (outside the desk's pages and their Content-Security-Policy).
    page.goto("about:blank")
    page.set_content(refusal_html)
    assert page.get_by_text("发件地址不属于服务平台的任何账号。").count() == 1
    assert page.get_by_text("The sender's address belongs to no account of the service desk.").count() == 1
    shoot(page, f"mail-in-refusal-{language}")
