"""Password recovery by mail, the rules: one answer for every address, a link good once and for 30 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import RateLimited, ValidationError
from service.models import EventKind, OutboundMail, Role, User
from service.operations import accounts, password_recovery
from service.operations.mail import ComposedMail
from tests import factories

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ADDRESS = "203.0.113.9"
KEY = "recovery-test-key"
NEW = "Recovered-Password-8"


class Composer:
    """Stands in for the web's mail: its text is the bare token, and it notes whom it composed a mail for."""

    def __init__(self) -> None:
        self.addressed: list[str] = []

    def __call__(self, user: User, token: str) -> ComposedMail:
        self.addressed.append(user.email)
        return ComposedMail(subject="Choose a new password", text=token, html="")


def _outbox(session: Session) -> list[tuple[int | None, str]]:
    """The recovery mails in the outbox: to whom, and the token they carry."""
    query = select(OutboundMail.user_id, OutboundMail.text_body).where(OutboundMail.kind == EventKind.PASSWORD_RECOVERY)
    return [(user_id, text or "") for user_id, text in session.execute(query.order_by(OutboundMail.id))]


def _ask(
    session: Session, email: str, now: datetime = T0, address: str = ADDRESS, key: str = KEY
) -> list[tuple[int | None, str]]:
    """Ask for a link; the mails this queued."""
    before = len(_outbox(session))
    password_recovery.request_recovery(session, email, address, key, Composer(), now=now)
    return _outbox(session)[before:]


def _link(session: Session, user: User, now: datetime = T0) -> str:
    sent = _ask(session, user.email, now)
    assert [user_id for user_id, _ in sent] == [user.id]
    return sent[0][1]


def test_a_known_address_gets_a_link_and_an_unknown_one_nothing_with_the_same_answer(session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    assert len(_ask(session, f"  {user.email.upper()} ")) == 1
    composer = Composer()
    password_recovery.request_recovery(session, "nobody@example.cn", ADDRESS, KEY, composer, now=T0)
    # The unknown address costs the same composing, and nothing is queued.
    assert composer.addressed == ["nobody@example.cn"] and len(_outbox(session)) == 1


def test_a_deactivated_account_gets_no_link(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    user.active = False
    session.commit()
    assert _ask(session, user.email) == []


def test_the_link_sets_the_password_once_and_signs_out_everywhere(session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    user.locked_until = T0 + timedelta(minutes=10)
    session.commit()
    cookie_before = user.get_id()
    link = _link(session, user)

    assert password_recovery.recovering_user(session, link, KEY, now=T0).id == user.id
    recovered = password_recovery.complete_recovery(session, link, NEW, KEY, now=T0 + timedelta(minutes=5))

    assert recovered.get_id() != cookie_before and recovered.locked_until is None
    assert accounts.authenticate(session, user.email, NEW, ADDRESS).id == user.id
    with pytest.raises(password_recovery.RecoveryLinkInvalid):
        password_recovery.complete_recovery(session, link, "Another-Password-9", KEY, now=T0 + timedelta(minutes=6))
    assert accounts.authenticate(session, user.email, NEW, ADDRESS).id == user.id


def test_the_link_expires_after_30_minutes(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    link = _link(session, user)
    assert password_recovery.recovering_user(session, link, KEY, now=T0 + timedelta(minutes=30)).id == user.id
    for when in (T0 + timedelta(minutes=30, seconds=1), T0 - timedelta(minutes=1)):
        with pytest.raises(password_recovery.RecoveryLinkInvalid):
            password_recovery.complete_recovery(session, link, NEW, KEY, now=when)
    assert accounts.authenticate(session, user.email, factories.PASSWORD, ADDRESS).id == user.id


def test_forged_and_damaged_links_are_refused(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    link = _link(session, user)
    other_key = _ask(session, user.email, address="198.51.100.1", key="someone-elses-key")[0][1]
    flipped = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    for forged in (flipped, link[:20], "", "not.a.link", other_key):
        with pytest.raises(password_recovery.RecoveryLinkInvalid):
            password_recovery.complete_recovery(session, forged, NEW, KEY, now=T0)
    assert accounts.authenticate(session, user.email, factories.PASSWORD, ADDRESS).id == user.id


def test_a_password_change_or_signing_out_everywhere_kills_an_unused_link(session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    changed, signed_out = _link(session, user), _link(session, user, T0 + timedelta(seconds=1))
    accounts.end_sessions(session, user.id)
    with pytest.raises(password_recovery.RecoveryLinkInvalid):
        password_recovery.recovering_user(session, signed_out, KEY, now=T0)
    fresh = _link(session, user, T0 + timedelta(seconds=2))
    accounts.change_password(session, user, factories.PASSWORD, "Changed-Password-5")
    for link in (changed, fresh):
        with pytest.raises(password_recovery.RecoveryLinkInvalid):
            password_recovery.recovering_user(session, link, KEY, now=T0)


def test_a_weak_password_is_refused_by_the_usual_rules_and_the_link_stays_live(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    link = _link(session, user)
    for weak in ("short", "password123", user.email.split("@")[0]):
        with pytest.raises(ValidationError) as refused:
            password_recovery.complete_recovery(session, link, weak, KEY, now=T0)
        assert set(refused.value.fields) == {"new_password"}
    assert password_recovery.complete_recovery(session, link, NEW, KEY, now=T0).id == user.id


def test_requests_are_limited_per_address_and_per_client_and_nothing_is_sent_beyond(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    for _ in range(password_recovery.LIMIT_PER_EMAIL):
        assert len(_ask(session, user.email, address="198.51.100.7")) == 1
    with pytest.raises(RateLimited) as limited:
        _ask(session, user.email, address="198.51.100.8")
    assert 0 < limited.value.seconds <= password_recovery.LIMIT_WINDOW_SECONDS

    for n in range(password_recovery.LIMIT_PER_CLIENT):
        _ask(session, f"unknown{n}@example.cn")
    composer, before = Composer(), len(_outbox(session))
    with pytest.raises(RateLimited):
        password_recovery.request_recovery(session, "fresh@example.cn", ADDRESS, KEY, composer, now=T0)
    assert composer.addressed == [] and len(_outbox(session)) == before
    # The next window starts afresh.
    later = T0 + timedelta(seconds=password_recovery.LIMIT_WINDOW_SECONDS)
    assert len(_ask(session, user.email, later)) == 1
