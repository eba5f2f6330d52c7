"""Email in through the app: `flask receive-mail` from a mail server's pipe and from an IMAP mailbox (a stand-in of
imaplib's client), the consumer's every-minute IMAP job, the administrator's log, and a whole round trip — a
notification written by `flask send-mail`, its reply piped back, the reply on the request's page in both
languages."""

from __future__ import annotations

import imaplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from service.infrastructure.imap_mailbox import ImapSettings, poll_mailbox
from service.models import EventKind, InboundOutcome, Message, OutboundMail, ServiceRequest
from service.rules.reply_address import reply_address
from service.store.settings import DeskSettings
from tests.factories import People
from tests.imap_stand_in import Mailbox, StandInImap
from tests.inbound_support import REPLY_ADDRESS, as_the_samples_write, inbound_log, notification_about, sample
from tests.request_helpers import triaged
from tests.suite import change_settings, joined_session, login, post_form, suite_settings

EN = {"Accept-Language": "en"}
IMAP = {"imap_host": "imap.example.gov.cn", "imap_user": "desk@example.gov.cn", "imap_password": "imap-secret"}


@pytest.fixture()
def request_(session: Session, people: People, app_settings: DeskSettings) -> ServiceRequest:
    as_the_samples_write(session, people)
    request = triaged(session, people, app_settings)
    notification_about(session, people, request)
    return request


@pytest.fixture()
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    box = Mailbox()
    monkeypatch.setattr(StandInImap, "mailbox", box)
    monkeypatch.setattr(imaplib, "IMAP4_SSL", StandInImap)
    return box


def pipe(app: Flask, raw: bytes, *args: str):  # type: ignore[no-untyped-def]
    with app.app_context():  # the `flask` command pushes one; the bare runner does not
        return app.test_cli_runner().invoke(args=["receive-mail", *args], input=raw)


def replies(session: Session, request: ServiceRequest) -> list[str]:
    return list(session.scalars(select(Message.body).where(Message.request_id == request.id).order_by(Message.id)))


def test_the_pipe_command_exits_as_a_mail_server_expects(
    app: Flask, client: FlaskClient, session: Session, request_: ServiceRequest
) -> None:
    """0 stored (or a copy of a stored mail), 77 a sender without the right, 65 an unreadable mail: a mail server
    returns a refused mail to its sender instead of queueing it again; the reason goes to its log."""
    stored = pipe(app, sample("gmail_utf8_reply.eml"))
    assert (stored.exit_code, stored.output.split()[0]) == (0, "accepted")
    forged = pipe(app, sample("forged_sender.eml"))
    assert forged.exit_code == 77
    assert "The sender's address belongs to no account of the service desk." in forged.output
    [answer] = session.scalars(select(OutboundMail).where(OutboundMail.kind == EventKind.MAIL_REFUSED))
    assert (answer.address, answer.subject) == (
        "zhangsan.med@free-mail.example",
        "您的来信未被服务平台受理 / Your mail was not added to the service desk",
    )
    assert answer.text_body is not None
    assert "发件地址不属于服务平台的任何账号。" in answer.text_body
    assert "The sender's address belongs to no account of the service desk." in answer.text_body
    broken = pipe(app, sample("broken_mime.eml"))
    assert broken.exit_code == 65 and "StartBoundaryNotFoundDefect" in broken.output
    again = pipe(app, sample("gmail_utf8_reply.eml"))
    assert (again.exit_code, again.output.split()[0]) == (0, "duplicate")
    assert len(replies(session, request_)) == 1


def test_the_imap_command_handles_the_unseen_mail_and_marks_it_seen(
    app: Flask,
    client: FlaskClient,
    session: Session,
    request_: ServiceRequest,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, **IMAP)
    for name in ("gmail_utf8_reply.eml", "forged_sender.eml", "html_only_reply.eml"):
        mailbox.deliver(sample(name))

    first = pipe(app, b"", "--imap")
    assert first.exit_code == 0 and "3 mail(s) handled" in first.output
    assert mailbox.seen() == [1, 2, 3]
    assert len(replies(session, request_)) == 2
    assert [m.outcome for m in inbound_log(session)].count(InboundOutcome.REFUSED) == 1
    assert "0 mail(s) handled" in pipe(app, b"", "--imap").output

    change_settings(monkeypatch, app, **{**IMAP, "imap_password": "wrong"})
    refused = pipe(app, b"", "--imap")
    assert refused.exit_code == 75 and "AUTHENTICATIONFAILED" in refused.output


def test_a_pass_that_stops_leaves_the_rest_unseen_for_the_next(mailbox: Mailbox) -> None:
    for number in range(3):
        mailbox.deliver(f"Message-ID: <m{number}@example.cn>\r\n\r\nbody".encode())
    settings = ImapSettings(host="imap.example.gov.cn", user=mailbox.user, password=mailbox.password)
    handled: list[bytes] = []

    def handle(raw: bytes) -> None:
        if len(handled) == 1:
            raise ConnectionError("the database went away")
        handled.append(raw)

    with pytest.raises(ConnectionError):
        poll_mailbox(settings, handle, opener=lambda s: StandInImap(s.host, s.port))
    assert mailbox.seen() == [1]
    report = poll_mailbox(settings, handled.append, opener=lambda s: StandInImap(s.host, s.port))
    assert (report.handled, report.left, mailbox.seen()) == (2, 0, [1, 2, 3])


def test_the_consumer_polls_imap_every_minute_when_imap_host_is_set(
    app: Flask,
    connection: Connection,
    session: Session,
    request_: ServiceRequest,
    mailbox: Mailbox,
    tmp_path: Path,
    database_url: str,
) -> None:
    from app import create_app

    assert "receive_mail_job" not in app.extensions  # no IMAP_HOST: no job
    with_imap = create_app(suite_settings(database_url=database_url, upload_folder=str(tmp_path / "uploads"), **IMAP))
    with_imap.extensions["db_sessions"] = lambda: joined_session(connection)
    mailbox.deliver(sample("gmail_utf8_reply.eml"))

    with_imap.extensions["receive_mail_job"]()
    assert mailbox.seen() == [1]
    assert len(replies(session, request_)) == 1


def test_an_administrator_reads_the_inbound_log_in_both_languages(
    app: Flask, client: FlaskClient, session: Session, people: People, request_: ServiceRequest
) -> None:
    pipe(app, sample("gmail_utf8_reply.eml"))
    pipe(app, sample("forged_sender.eml"))
    hostile = (
        sample("forged_sender.eml")
        .replace(b"forged-5a6b7c8d", b"hostile")
        .replace(b"Subject: =?utf-8?", b"Subject: <script>alert(1)</script> =?utf-8?")
    )
    pipe(app, hostile)

    login(client, people.staff)
    assert client.get("/admin/inbound-mail").status_code == 403
    login(client, people.admin)
    english = client.get("/admin/inbound-mail", headers=EN).get_data(as_text=True)
    assert "zhangsan.med@free-mail.example" in english and "forged-5a6b7c8d@free-mail.example" in english
    assert "The sender's address belongs to no account of the service desk." in english
    assert "Added to its request" in english and request_.reference in english
    assert "<script>alert(1)</script>" not in english and "&lt;script&gt;alert(1)&lt;/script&gt;" in english
    with client.session_transaction() as cookie:
        cookie["locale"] = "zh"
    chinese = client.get("/admin/inbound-mail?outcome=refused").get_data(as_text=True)
    assert "收信记录" in chinese and "发件地址不属于服务平台的任何账号。" in chinese
    assert "zhang.san@example-med.cn" not in chinese  # only the refused one


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_notification_answered_by_mail_shows_on_the_request_page(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    app_settings: DeskSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    people.owner.locale = language
    session.commit()
    request = triaged(session, people, app_settings)
    chosen = change_settings(
        monkeypatch, app, smtp_host="", mail_folder=str(tmp_path / "mail"), reply_address=REPLY_ADDRESS
    )
    login(client, people.staff)
    post_form(client, f"/desk/requests/{request.id}/messages", {"body": "请补充型式检验报告。", "visibility": "public"})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["send-mail"]).exit_code == 0

    told = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in (tmp_path / "mail").glob("*.eml")]
    title = {"zh": "回复：", "en": "Reply"}[language]
    [notification] = [
        m for m in told if m["To"].addresses[0].addr_spec == people.owner.email and m["Subject"].startswith(title)
    ]
    assert notification["Reply-To"].addresses[0].addr_spec == reply_address(
        REPLY_ADDRESS, request.id, chosen.secret_key
    )
    invitation = {"zh": "直接回复本邮件", "en": "Reply to this email to answer on the request"}[language]
    assert invitation in notification.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    reply = EmailMessage()
    reply["From"] = people.owner.email
    reply["To"] = notification["Reply-To"]
    reply["Subject"] = f"Re: {notification['Subject']}"
    reply["Message-ID"] = "<round-trip@example-med.cn>"
    reply["In-Reply-To"] = notification["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in notification.get_body(("plain",)).get_content().splitlines())  # type: ignore[union-attr]
    reply.set_content(f"型式检验报告已上传，请查收。\n\nOn Tue, 10 Mar 2026, {notification['From']} wrote:\n{quoted}\n")
    assert pipe(app, reply.as_bytes()).exit_code == 0

    login(client, people.owner)
    page = client.get(f"/portal/requests/{request.id}").get_data(as_text=True)
    assert "型式检验报告已上传，请查收。" in page
    assert {"zh": "回复", "en": "Reply"}[language] in page
    assert "wrote:" not in page and "&gt; " not in page
