"""In Chromium, in both languages: an officer's email choices on the account menu, the administrator's failed
mail page with its Send again button, and the message itself as a mail program shows its HTML part."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.models import EventKind, MailStatus, OutboundMail, User
from service.models.base import utcnow
from service.operations.notifications import notify
from service.store.db import unit_of_work
from service.web.common.mail import send_due_mail
from tests.browser.live import LiveServer, console_errors, shoot, sign_in

pytestmark = pytest.mark.slow
OFFICER = "ccnd.staff@demo.jl.gov.cn"


def _queue_reminder(live_server: LiveServer) -> OutboundMail:
    """A head's reminder to the officer, and the message it queued."""
    with live_server.session() as session, unit_of_work(session):
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        notify(session, [officer.id], None, EventKind.REMINDED, utcnow(), data={"message": "请今天答复企业"})
    with live_server.session() as session:
        return session.scalars(
            select(OutboundMail).where(OutboundMail.address == OFFICER).order_by(OutboundMail.id.desc()).limit(1)
        ).one()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_officer_keeps_reminders_for_the_digest_and_the_admin_sends_a_failed_message_again(
    page: Any, live_server: LiveServer, language: str
) -> None:
    errors = console_errors(page)
    sign_in(page, OFFICER, language=language)
    page.goto("/account/mail")
    page.select_option("#mail-reminded", "digest")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#mail-reminded").input_value() == "digest"
    assert page.locator(".flash-success").count() == 1
    shoot(page, f"mail-account-{language}")
    page.select_option("#mail-reminded", "immediately")
    page.locator("main form button[type=submit]").click()

    queued = _queue_reminder(live_server)
    with live_server.session() as session, unit_of_work(session):
        failed = session.get_one(OutboundMail, queued.id)
        failed.status, failed.attempts = MailStatus.FAILED, 8
        failed.last_error = "SMTPRecipientsRefused: {'ccnd.staff@demo.jl.gov.cn': (550, b'5.1.1 mailbox unavailable')}"
        failed_id = failed.id

    sign_in(page, "admin@demo.jl.gov.cn", language=language)
    page.goto("/admin/mail")
    assert page.locator("main table tbody tr").count() >= 1
    shoot(page, f"mail-admin-failed-{language}")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, f"mail-admin-failed-{language}-mobile")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(f"form[action$='/admin/mail/{failed_id}/retry'] button").click()
    page.wait_for_load_state()
    with live_server.session() as session:
        assert session.get(OutboundMail, failed_id).status == MailStatus.PENDING  # type: ignore[union-attr]
    assert errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_message_as_a_mail_program_shows_it(
    page: Any, live_server: LiveServer, language: str, tmp_path: Path
) -> None:
    with live_server.session() as session, unit_of_work(session):
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        officer.locale = language
    queued = _queue_reminder(live_server)
    app = live_server.app
    settings = type(live_server.settings)(
        **{**live_server.settings.model_dump(), "smtp_host": "", "mail_folder": str(tmp_path)}
    )
    with app.app_context(), live_server.session() as session:
        assert send_due_mail(session, settings, utcnow()).sent >= 1
    [message] = [
        m
        for m in (message_from_bytes(f.read_bytes(), policy=policy.default) for f in tmp_path.glob("*.eml"))
        if m["Message-ID"] == queued.message_id
    ]
    page.set_content(message.get_body(("html",)).get_content())
    assert "请今天答复企业" in page.content()
    assert (
        page.locator("a").first.inner_text()
        == {"zh": "在服务平台中查看", "en": "Open it in the service desk"}[language]
    )
    shoot(page, f"mail-message-{language}")
