"""Email out, from an outbox: written with the change it tells of, delivered to a real SMTP server (aiosmtpd) in
the recipient's language, retried while the server is down, sent at most twice (same Message-ID) after a crash."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.headerregistry import Address
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound
from service.infrastructure.mail_transport import SmtpTransport
from service.models import EventKind, MailChoice, MailStatus, OutboundMail
from service.operations.mail import (
    DESK_MAILED_KINDS,
    ENTERPRISE_MAILED_KINDS,
    ComposedMail,
    deliver_outbox,
    mail_choices,
    retry_failed,
    set_mail_choices,
)
from service.operations.notifications import notify
from service.operations.requests import assign_request
from service.store.db import unit_of_work
from service.store.settings import DeskSettings
from service.web.common.mail import send_due_mail
from tests.factories import People
from tests.request_helpers import TUESDAY_10, triaged
from tests.smtp_sink import SmtpSink
from tests.suite import change_settings, login, post_form

EN = {"Accept-Language": "en"}

SENDER = Address(display_name="吉林省药品监督管理局创新服务站", addr_spec="desk@example.gov.cn")


def plain(mail: OutboundMail) -> ComposedMail:
    return ComposedMail(subject=f"{mail.kind} #{mail.id}", text="正文", html="<p>正文</p>")


def outbox(session: Session) -> list[OutboundMail]:
    return list(session.scalars(select(OutboundMail).order_by(OutboundMail.id)))


def queue(session: Session, people: People, count: int) -> list[OutboundMail]:
    """``count`` mailed notifications to the officer, each its own change."""
    for _ in range(count):
        with unit_of_work(session):
            notify(session, [people.staff.id], None, EventKind.REMINDED, TUESDAY_10, exclude=people.director.id)
    return outbox(session)


def smtp(server: SmtpSink) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=server.port, starttls=False)


def test_a_mailed_notification_is_queued_in_its_change_and_rolled_back_with_it(
    session: Session, people: People
) -> None:
    with unit_of_work(session):
        notify(session, [people.staff.id, people.director.id], None, EventKind.ASSIGNED, TUESDAY_10)
        notify(session, [people.staff.id], None, EventKind.INTERNAL_NOTE, TUESDAY_10)  # in the app only
    queued = outbox(session)
    assert [(m.address, m.kind, m.status) for m in queued] == [
        (people.staff.email, EventKind.ASSIGNED, MailStatus.PENDING),
        (people.director.email, EventKind.ASSIGNED, MailStatus.PENDING),
    ]
    assert queued[0].message_id != queued[1].message_id

    with pytest.raises(RuntimeError), unit_of_work(session):
        notify(session, [people.staff2.id], None, EventKind.ASSIGNED, TUESDAY_10)
        raise RuntimeError("the change fails after its notification")
    assert len(outbox(session)) == 2


def test_an_assignment_mails_the_new_officer_but_not_the_one_who_made_it(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    before = len(outbox(session))
    assign_request(session, people.director, request.id, request.version, people.staff2.id, settings=settings)
    new = outbox(session)[before:]
    assert [(m.user_id, m.kind, m.request_id) for m in new] == [(people.staff2.id, EventKind.ASSIGNED, request.id)]


def test_delivered_in_the_recipients_language_with_chinese_headers_encoded_and_absolute_links(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    settings: DeskSettings,
    smtp_server: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = triaged(session, people, settings, title="创新医疗器械特别审查申请")
    people.staff2.locale = "en"
    people.staff2.name = "王小明"
    session.flush()
    with unit_of_work(session):
        notify(
            session,
            [people.staff.id, people.staff2.id],
            request,
            EventKind.REMINDED,
            TUESDAY_10,
            exclude=people.director.id,
            data={"message": "请今天回复企业"},
        )
    chosen = change_settings(
        monkeypatch,
        app,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_starttls=False,
        base_url="https://desk.example.gov.cn",
    )
    with app.app_context():
        report = send_due_mail(session, chosen, TUESDAY_10)
    assert report.sent >= 2
    received = {str(m["To"].addresses[0].addr_spec): m for m in smtp_server.messages()}
    chinese, english = received[people.staff.email], received[people.staff2.email]

    assert chinese["Subject"] == f"已催办：{request.reference} 创新医疗器械特别审查申请"
    assert english["Subject"] == f"Reminded: {request.reference} 创新医疗器械特别审查申请"
    assert english["To"].addresses[0].display_name == "王小明"
    assert "吉林" in english["From"].addresses[0].display_name
    # On the wire the headers are ASCII: RFC 2047 encoded words.
    raw = next(r for r in smtp_server.received if people.staff2.email.encode() in r)
    headers = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n").split(b"\n")
    subject_line = next(h for h in headers if h.startswith(b"Subject:"))
    assert subject_line.isascii() and b"=?utf-8?" in subject_line

    link = f"https://desk.example.gov.cn/desk/requests/{request.id}"
    for message, greeting in ((chinese, "您好"), (english, "Hello 王小明")):
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert greeting in text and link in text and "请今天回复企业" in text
        assert f'href="{link}"' in html
    sent = {m.address: m for m in outbox(session)}
    assert english["Message-ID"] == sent[people.staff2.email].message_id
    assert sent[people.staff2.email].status == MailStatus.SENT


def test_smtp_down_the_messages_wait_and_go_out_exactly_once_when_it_is_back(
    session: Session, people: People, smtp_server: SmtpSink
) -> None:
    queued = queue(session, people, 3)
    smtp_server.stop()
    report = deliver_outbox(session, smtp(smtp_server), TUESDAY_10, compose=plain, sender=SENDER)
    assert (report.sent, report.retrying) == (0, 3)
    for mail in outbox(session):
        assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
        assert "Connection" in mail.last_error
        assert mail.next_attempt_at == TUESDAY_10 + timedelta(minutes=1)
    # Not due again yet: a second pass at once sends nothing and spends no attempt.
    assert deliver_outbox(session, smtp(smtp_server), TUESDAY_10, compose=plain, sender=SENDER).retrying == 0

    smtp_server.start()
    later = TUESDAY_10 + timedelta(minutes=1)
    assert deliver_outbox(session, smtp(smtp_server), later, compose=plain, sender=SENDER).sent == 3
    assert (
        deliver_outbox(session, smtp(smtp_server), later + timedelta(hours=1), compose=plain, sender=SENDER).sent == 0
    )
    ids = sorted(str(m["Message-ID"]) for m in smtp_server.messages())
    assert ids == sorted(m.message_id for m in queued)
    assert all(m.status == MailStatus.SENT and m.sent_at == later for m in outbox(session))


def test_retries_back_off_then_the_message_fails_until_an_administrator_retries_it(
    session: Session, people: People, smtp_server: SmtpSink
) -> None:
    [mail] = queue(session, people, 1)
    smtp_server.stop()
    now = TUESDAY_10
    waits = []
    for _ in range(3):
        deliver_outbox(session, smtp(smtp_server), now, compose=plain, sender=SENDER, max_attempts=3)
        waits.append(mail.next_attempt_at - now)
        now = mail.next_attempt_at
    assert waits[:2] == [timedelta(minutes=1), timedelta(minutes=2)]
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 3)
    assert deliver_outbox(session, smtp(smtp_server), now + timedelta(days=1), compose=plain, sender=SENDER).failed == 0

    smtp_server.start()
    with pytest.raises(Forbidden):
        retry_failed(session, people.staff, mail.id, now)
    assert retry_failed(session, people.admin, mail.id, now) is mail
    assert deliver_outbox(session, smtp(smtp_server), now, compose=plain, sender=SENDER).sent == 1
    assert len(smtp_server.received) == 1
    with pytest.raises(NotFound):  # sent: nothing to retry
        retry_failed(session, people.admin, mail.id, now)


class ProcessDied(BaseException):
    """The worker killed between the server accepting a message and the sent mark's commit."""


class DiesAfterSecondSend(SmtpTransport):
    sends = 0

    def send(self, message) -> None:  # type: ignore[no-untyped-def]
        super().send(message)
        self.sends += 1
        if self.sends == 2:
            raise ProcessDied()


def test_a_crash_between_send_and_mark_sends_at_most_the_one_in_flight_again_with_its_message_id(
    session: Session, people: People, smtp_server: SmtpSink
) -> None:
    queue(session, people, 3)
    dying = DiesAfterSecondSend(host="127.0.0.1", port=smtp_server.port, starttls=False)
    with pytest.raises(ProcessDied):
        deliver_outbox(session, dying, TUESDAY_10, compose=plain, sender=SENDER)
    assert [m.status for m in outbox(session)] == [MailStatus.SENT, MailStatus.PENDING, MailStatus.PENDING]

    assert deliver_outbox(session, smtp(smtp_server), TUESDAY_10, compose=plain, sender=SENDER).sent == 2
    ids = [str(m["Message-ID"]) for m in smtp_server.messages()]
    in_flight = outbox(session)[1].message_id
    assert len(ids) == 4 and ids.count(in_flight) == 2 and len(set(ids)) == 3


def test_without_an_smtp_server_send_mail_writes_eml_files_and_says_where(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue(session, people, 2)
    change_settings(monkeypatch, app, smtp_host="", mail_folder=str(tmp_path / "mail"))
    with app.app_context():  # the `flask` command pushes one; the bare runner does not
        result = app.test_cli_runner().invoke(args=["send-mail"])
    assert f"into {tmp_path / 'mail'}" in result.output
    assert "sent: 2, to retry: 0, failed: 0" in result.output
    files = sorted((tmp_path / "mail").glob("*.eml"))
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(str(m["Message-ID"]) for m in parsed) == sorted(m.message_id for m in outbox(session))
    assert all(m["To"].addresses[0].addr_spec == people.staff.email for m in parsed)
    assert session.scalar(select(func.count()).where(OutboundMail.status == MailStatus.PENDING)) == 0


def test_an_inactive_user_is_not_mailed(session: Session, people: People) -> None:
    people.staff.active = False
    session.flush()
    with unit_of_work(session):
        notify(session, [people.staff.id], None, EventKind.ASSIGNED, TUESDAY_10)
    assert outbox(session) == []


def test_an_administrator_sees_the_failed_mail_and_queues_it_again(
    client: FlaskClient, session: Session, people: People
) -> None:
    [mail] = queue(session, people, 1)
    mail.status, mail.attempts, mail.last_error = MailStatus.FAILED, 8, "SMTPRecipientsRefused: 550 no such user"
    session.commit()

    login(client, people.staff)
    assert client.get("/admin/mail").status_code == 403
    assert post_form(client, f"/admin/mail/{mail.id}/retry", {}).status_code == 403
    login(client, people.admin)
    page = client.get("/admin/mail", headers=EN).get_data(as_text=True)
    assert people.staff.email in page and "550 no such user" in page and "Send again" in page

    answer = post_form(client, f"/admin/mail/{mail.id}/retry", {}, headers=EN, follow_redirects=True)
    assert f"The message to {people.staff.email} is queued again." in answer.get_data(as_text=True)
    session.refresh(mail)
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 0)
    assert "No failed mail." in client.get("/admin/mail", headers=EN).get_data(as_text=True)
    # Queued already (a second click): no longer a failed message, so the one not-found page.
    assert post_form(client, f"/admin/mail/{mail.id}/retry", {}).status_code == 404


def test_a_user_may_take_a_kind_off_email_or_keep_it_for_the_daily_digest(
    session: Session, people: People, smtp_server: SmtpSink
) -> None:
    set_mail_choices(
        session,
        people.staff,
        {kind.value: "immediately" for kind in DESK_MAILED_KINDS} | {"reminded": "none", "assigned": "digest"},
    )
    with unit_of_work(session):
        for kind in (EventKind.REMINDED, EventKind.ASSIGNED, EventKind.TRANSFERRED):
            notify(session, [people.staff.id, people.staff2.id], None, kind, TUESDAY_10)
    assert sorted((m.user_id == people.staff.id, m.kind, m.status) for m in outbox(session)) == [
        (False, EventKind.ASSIGNED, MailStatus.PENDING),
        (False, EventKind.REMINDED, MailStatus.PENDING),
        (False, EventKind.TRANSFERRED, MailStatus.PENDING),
        (True, EventKind.ASSIGNED, MailStatus.DIGEST),
        (True, EventKind.TRANSFERRED, MailStatus.PENDING),
    ]
    # The digest's rows wait for the digest: a delivery pass sends the others only.
    assert deliver_outbox(session, smtp(smtp_server), TUESDAY_10, compose=plain, sender=SENDER).sent == 4


def test_the_account_page_lists_the_users_kinds_and_refuses_a_made_up_choice(
    client: FlaskClient, session: Session, people: People
) -> None:
    login(client, people.owner)
    page = client.get("/account/mail", headers=EN).get_data(as_text=True)
    assert "Hotline session scheduled" in page and "Supervision order issued" not in page
    assert people.owner.email in page

    mine = {kind.value: "immediately" for kind in ENTERPRISE_MAILED_KINDS}
    refused = post_form(client, "/account/mail", {**mine, "reply": "hourly"}, headers=EN)
    assert refused.status_code == 400
    assert "Choose immediately, daily digest or not by email." in refused.get_data(as_text=True)
    assert mail_choices(session, people.owner)[EventKind.REPLY] == MailChoice.IMMEDIATELY

    saved = post_form(client, "/account/mail", {**mine, "reply": "digest"}, headers=EN, follow_redirects=True)
    assert "Your email choices are saved." in saved.get_data(as_text=True)
    assert mail_choices(session, people.owner)[EventKind.REPLY] == MailChoice.DIGEST
