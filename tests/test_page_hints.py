"""What a page tells before anyone has to guess: the limits of a file input, an enterprise awaiting verification."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from service.operations.requests import add_message
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import triaged
from tests.suite import change_settings, login
from tests.web_requests_support import get

FILE_INPUT_HINT = re.compile(r'<input([^>]*type="file"[^>]*)>\s*<p class="hint">([^<]*)</p>')


@pytest.mark.parametrize("page", ["portal new request", "portal request page", "desk new request", "desk request page"])
def test_every_file_input_shows_the_configured_limits_beside_it(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    app_settings: DeskSettings,
    page: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change_settings(monkeypatch, app, max_attachments_per_message=4, max_attachment_bytes=5 * 1024 * 1024)
    request = triaged(session, people, app_settings)
    add_message(session, people.staff, request.id, "请补充注册资料", settings=app_settings)
    user, path = {
        "portal new request": (people.owner, "/portal/requests/new"),
        "portal request page": (people.owner, f"/portal/requests/{request.id}"),
        "desk new request": (people.staff, "/desk/requests/new"),
        "desk request page": (people.staff, f"/desk/requests/{request.id}"),
    }[page]
    login(client, user)
    html = get(client, path).get_data(as_text=True)
    inputs = FILE_INPUT_HINT.findall(html)
    assert len(inputs) == html.count('type="file"') == 1
    [(attributes, hint)] = inputs
    assert "at most 4 files at a time, each up to 5.0 MB" in hint
    assert "PDF, Word, Excel, PowerPoint, images (PNG, JPEG, GIF, WebP), ZIP or text files" in hint
    assert 'accept=".pdf,.doc,.docx,' in attributes


NOT_VERIFIED = "Your company is not verified yet. Staff of your home station verify it"


def test_an_unverified_enterprise_is_told_on_its_home_page_how_it_gets_verified(
    client: FlaskClient, session: Session
) -> None:
    contact = factories.user(session, Role.ENTERPRISE, enterprise_=factories.enterprise(session, verified=False))
    login(client, contact)
    html = get(client, "/portal/").get_data(as_text=True)
    assert NOT_VERIFIED in html
    assert "unified social credit code you registered with" in html


def test_a_verified_enterprise_is_not_told_about_verification(client: FlaskClient, people: People) -> None:
    login(client, people.owner)
    assert NOT_VERIFIED not in get(client, "/portal/").get_data(as_text=True)
