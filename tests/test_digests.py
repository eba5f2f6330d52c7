"""The daily digest (每日摘要): a user's messages kept for it go out as one message a day, in the user's language,
grouped by request or plan, newest first; each kept message is in exactly one digest, even after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.infrastructure.mail_transport import SmtpTransport
from service.models import EventKind, MailStatus, OutboundMail, ServiceRequest
from service.operations.digests import gather_digests, last_digest_time
from service.operations.mail import DESK_MAILED_KINDS, set_mail_choices
from service.operations.notifications import notify
from service.store.db import unit_of_work
from service.store.settings import DeskSettings
from service.web.common.mail import send_due_mail
from tests.factories import People
from tests.request_helpers import TUESDAY_10, triaged
from tests.smtp_sink import SmtpSink
from tests.suite import change_settings

# 2026-03-11 08:00 in Beijing, the morning after TUESDAY_10.
WEDNESDAY_8 = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


class ProcessDied(BaseException):
    """The worker killed mid-way."""


def _digest_for(session: Session, people: People, settings: DeskSettings) -> tuple[ServiceRequest, ServiceRequest]:
    """The officer keeps assignments and reminders for the digest; two requests' news waits for it."""
    set_mail_choices(
        session,
        people.staff,
        {kind.value: "immediately" for kind in DESK_MAILED_KINDS} | {"reminded": "digest", "assigned": "digest"},
    )
    first = triaged(session, people, settings, title="骨科植入物分类界定")
    second = triaged(session, people, settings, title="体外诊断试剂临床评价")
    with unit_of_work(session):
        notify(session, [people.staff.id], first, EventKind.REMINDED, TUESDAY_10, data={"message": "请尽快答复"})
    with unit_of_work(session):
        notify(session, [people.staff.id], second, EventKind.ASSIGNED, TUESDAY_10 + timedelta(hours=1))
    with unit_of_work(session):
        notify(
            session,
            [people.staff.id],
            first,
            EventKind.REMINDED,
            TUESDAY_10 + timedelta(hours=2),
            exclude=people.director.id,
            data={"message": "今天下班前办结"},
        )
    return first, second


def _rows(session: Session) -> list[OutboundMail]:
    session.expire_all()
    return list(
        session.scalars(select(OutboundMail).where(OutboundMail.user_id.is_not(None)).order_by(OutboundMail.id))
    )


def _smtp(app: Flask, monkeypatch: pytest.MonkeyPatch, server: SmtpSink) -> object:
    return change_settings(
        monkeypatch,
        app,
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=False,
        base_url="https://desk.example.gov.cn",
    )


def test_the_digest_time_is_the_last_digest_hour_in_beijing() -> None:
    assert last_digest_time(WEDNESDAY_8, 8) == WEDNESDAY_8
    assert last_digest_time(WEDNESDAY_8 - timedelta(minutes=1), 8) == WEDNESDAY_8 - timedelta(days=1)
    assert last_digest_time(WEDNESDAY_8 + timedelta(hours=15), 8) == WEDNESDAY_8


def test_one_digest_in_the_users_language_grouped_by_request_newest_first(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    settings: DeskSettings,
    smtp_server: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = _digest_for(session, people, settings)
    people.staff.locale = "en"
    session.commit()
    # Before the digest hour nothing of the day before goes; at it, one digest for the officer and nobody else.
    assert gather_digests(session, WEDNESDAY_8, until=last_digest_time(WEDNESDAY_8 - timedelta(minutes=1), 8)) == 0
    assert gather_digests(session, WEDNESDAY_8, until=last_digest_time(WEDNESDAY_8, 8)) == 1
    assert gather_digests(session, WEDNESDAY_8, until=last_digest_time(WEDNESDAY_8, 8)) == 0

    with app.app_context():
        send_due_mail(session, _smtp(app, monkeypatch, smtp_server), WEDNESDAY_8)  # type: ignore[arg-type]
    digests = [m for m in smtp_server.messages() if "digest" in str(m["Subject"])]
    assert len(digests) == 1
    digest = digests[0]
    assert digest["Subject"] == "Daily digest: 3 notifications"
    assert digest["To"].addresses[0].addr_spec == people.staff.email
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    # The request with the newest news first, and its newest news first.
    assert text.index(first.title) < text.index(second.title)
    assert text.index("今天下班前办结") < text.index("请尽快答复") < text.index(second.title)
    assert text.count(first.title) == 1
    assert f'href="https://desk.example.gov.cn/desk/requests/{first.id}"' in html
    assert f"https://desk.example.gov.cn/desk/requests/{second.id}" in text
    assert "Assigned" in text and "Reminded" in text


def test_a_crash_while_gathering_or_before_sending_loses_and_doubles_nothing(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    settings: DeskSettings,
    smtp_server: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _digest_for(session, people, settings)
    kept = [m.id for m in _rows(session) if m.status == MailStatus.DIGEST]
    assert len(kept) == 3

    # Killed as the gathering commits (the first commit ends the read of whose digests are due): nothing
    # gathered, nothing queued.
    commit, commits = session.commit, []

    def dies() -> None:
        commits.append(1)
        if len(commits) == 2:
            raise ProcessDied()
        commit()

    with monkeypatch.context() as patched:
        patched.setattr(session, "commit", dies)
        with pytest.raises(ProcessDied):
            gather_digests(session, WEDNESDAY_8, until=WEDNESDAY_8)
    assert [m.status for m in _rows(session) if m.id in kept] == [MailStatus.DIGEST] * 3
    assert not [m for m in _rows(session) if m.kind == EventKind.DIGEST]

    # Gathered, then killed before the server took the digest: it waits in the outbox, its items with it.
    assert gather_digests(session, WEDNESDAY_8, until=WEDNESDAY_8) == 1

    class DiesBeforeSending(SmtpTransport):
        def send(self, message) -> None:  # type: ignore[no-untyped-def]
            raise ProcessDied()

    with monkeypatch.context() as patched:
        patched.setattr(
            "service.web.common.mail.transport",
            lambda _settings: DiesBeforeSending(host="127.0.0.1", port=smtp_server.port, starttls=False),
        )
        with app.app_context(), pytest.raises(ProcessDied):
            send_due_mail(session, _smtp(app, monkeypatch, smtp_server), WEDNESDAY_8)  # type: ignore[arg-type]
    assert gather_digests(session, WEDNESDAY_8 + timedelta(days=1), until=WEDNESDAY_8 + timedelta(days=1)) == 0

    with app.app_context():
        send_due_mail(session, _smtp(app, monkeypatch, smtp_server), WEDNESDAY_8)  # type: ignore[arg-type]
    digests = [m for m in smtp_server.messages() if str(m["Subject"]) == "每日汇总：3 条通知"]
    assert len(digests) == 1
    text = digests[0].get_body(("plain",)).get_content()
    assert text.count("今天下班前办结") == 1 and text.count("请尽快答复") == 1
    rows = _rows(session)
    (digest,) = [m for m in rows if m.kind == EventKind.DIGEST]
    assert digest.status == MailStatus.SENT
    assert {(m.status, m.digest_id) for m in rows if m.id in kept} == {(MailStatus.GATHERED, digest.id)}


def test_the_job_and_the_command_gather_and_send_the_digest_and_nothing_for_those_without_one(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    settings: DeskSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _digest_for(session, people, settings)
    change_settings(monkeypatch, app, smtp_host="", mail_folder=str(tmp_path / "mail"))
    app.extensions["jobs"].daily_digest()
    (digest,) = [m for m in _rows(session) if m.kind == EventKind.DIGEST]
    assert (digest.user_id, digest.status) == (people.staff.id, MailStatus.PENDING)

    _digest_for(session, people, settings)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["send-digest"])
    assert "digests queued: 1" in result.output
    assert not [m for m in _rows(session) if m.status in (MailStatus.DIGEST, MailStatus.PENDING)]
    digests = [m for m in _rows(session) if m.kind == EventKind.DIGEST]
    assert [m.user_id for m in digests] == [people.staff.id, people.staff.id]
    assert len(list((tmp_path / "mail").glob("*.eml"))) >= 2
