"""Two languages: how the language is chosen and remembered, and whether the catalogs are complete."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_datetime
from sqlalchemy.orm import Session

from service import PROJECT_DIR
from service.models import Role, User
from service.web.i18n import extract_messages
from tests import factories
from tests.conftest import login, post_form

ZH_CATALOG = PROJECT_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "page has no html lang attribute"
    return match.group(1)


def _page(client: FlaskClient, path: str = "/login", **headers: str) -> str:
    return client.get(path, headers=headers).get_data(as_text=True)


def test_chinese_is_the_default_language(client: FlaskClient) -> None:
    page = _page(client)
    assert _lang(page) == "zh-CN"
    # The switcher offers the other language.
    assert 'name="locale" value="en"' in page


def test_accept_language_chooses_english_or_chinese(client: FlaskClient) -> None:
    english = _page(client, **{"Accept-Language": "en-GB,en;q=0.9"})
    assert _lang(english) == "en"
    assert "Sign in" in english and 'name="locale" value="zh"' in english
    assert _lang(_page(client, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})) == "zh-CN"
    assert _lang(_page(client, **{"Accept-Language": "fr-FR,de;q=0.8"})) == "zh-CN"


def test_the_login_page_reads_in_chinese_by_default(client: FlaskClient) -> None:
    """Needs the Chinese catalog; fails until the translation pass like the completeness test below."""
    page = _page(client)
    assert "登录" in page
    assert "Sign in" not in page


def test_the_switcher_changes_the_language_and_it_is_remembered(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"locale": "en", "next": "/register"})
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    # The choice beats the browser's Accept-Language from now on.
    assert _lang(_page(client, "/register", **{"Accept-Language": "zh-CN"})) == "en"

    post_form(client, "/language", {"locale": "zh", "next": "/login"})
    assert _lang(_page(client, **{"Accept-Language": "en"})) == "zh-CN"


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(client: FlaskClient) -> None:
    response = post_form(client, "/language", {"locale": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _lang(_page(client)) == "zh-CN"


def test_a_signed_in_users_choice_is_kept_on_the_account(client: FlaskClient, app: Flask, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login(client, user)
    post_form(client, "/language", {"locale": "en", "next": "/portal/"})
    session.expire_all()
    assert session.get(User, user.id).locale == "en"

    # A new browser session without any choice of its own follows the account.
    with client.session_transaction() as sess:
        sess.pop("locale")
    assert _lang(_page(client, "/portal/", **{"Accept-Language": "zh-CN"})) == "en"


def test_the_choice_survives_signing_in_and_out(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    post_form(client, "/language", {"locale": "en", "next": "/login"})
    post_form(client, "/login", {"email": user.email, "password": factories.PASSWORD})
    assert _lang(_page(client, "/desk/")) == "en"
    post_form(client, "/logout", {})
    assert _lang(_page(client)) == "en"


def test_times_are_shown_in_shanghai_time(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert format_datetime(datetime(2026, 3, 2, 16, 30, tzinfo=UTC), "yyyy-MM-dd HH:mm") == "2026-03-03 00:30"


def _extract(tmp_path: Path) -> Path:
    pot = tmp_path / "messages.pot"
    extract_messages(pot)
    return pot


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_message_has_a_chinese_translation(tmp_path: Path) -> None:
    """Extracts the messages afresh (the repository's catalogs are not touched) and checks the zh catalog.

    Fails until the translation pass; run ``flask --app app translations`` to update the catalogs.
    """
    source = _read(_extract(tmp_path))
    chinese = _read(ZH_CATALOG)
    missing = []
    for message in source:
        if not message.id:
            continue
        translated = chinese.get(message.id, message.context)
        if translated is None or translated.fuzzy or not all(_strings(translated)):
            missing.append(_ids(message)[0])
    assert not missing, f"{len(missing)} message(s) lack a Chinese translation:\n" + "\n".join(missing)


def test_chinese_translations_keep_the_placeholders() -> None:
    wrong = []
    for message in _read(ZH_CATALOG):
        if not message.id:
            continue
        expected = {name for msgid in _ids(message) for name in PLACEHOLDER.findall(msgid)}
        for string in _strings(message):
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"{_ids(message)[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)
