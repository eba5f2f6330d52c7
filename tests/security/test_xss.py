"""Stored and reflected XSS: a corpus of payloads in every free-text column of the database, then every page,
export and notification, as every role: the payload never reaches the HTML unescaped, and in Chromium no
dialog opens and no injected element or handler exists."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import Base
from service.models import ServiceRequest
from tests.browser.conftest import CHROMIUM, LiveServer, browser, live_server  # noqa: F401 - fixtures
from tests.security.probe import Prober
from tests.security.world import ROLES, World, build_world, fill, rules

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(2)</script>',
    "'><img src=x onerror=alert(3)>",
    "javascript:alert(1)",
    "\u202e<script>alert(4)</script>",
    "＜script＞alert(5)＜/script＞",
]
PAYLOAD = "".join(PAYLOADS)
FORMULA = '=HYPERLINK("http://evil.example","x")'
# Raw fragments that only unescaped markup would contain.
DANGEROUS = re.compile(r"<script>alert|<img src=x|<svg onload|href=\"javascript:", re.IGNORECASE)
# Columns that are not free text: identifiers, secrets, hashes, codes, vocabularies and addresses.
NOT_TEXT = {"email", "password_hash", "session_token", "totp_secret", "token_hash", "stored_name", "sha256",
            "content_type", "credit_code", "reference", "idempotency_key", "key", "endpoint", "code", "code_hash",
            "scopes", "locale", "meeting_link", "original_name"}


def poison(session: Session) -> list[str]:
    """Write the payload into every free-text column of every row; returns the columns written."""
    written = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if (not isinstance(kind, sa.String) or isinstance(kind, sa.Enum) or column.name in NOT_TEXT
                    or column.primary_key or column.foreign_keys):
                continue
            value = PAYLOAD[: kind.length] if kind.length else PAYLOAD
            savepoint = session.begin_nested()
            try:
                session.execute(sa.update(table).values({column.name: value}))
                savepoint.commit()
                written.append(f"{table.name}.{column.name}")
            except IntegrityError:
                savepoint.rollback()
    session.execute(sa.update(ServiceRequest).where(ServiceRequest.id == session.scalar(
        sa.select(sa.func.min(ServiceRequest.id)))).values(product_name=FORMULA))
    session.commit()
    session.expire_all()
    return written


def unsafe_fragments(html: str) -> list[str]:
    return sorted({m.group(0) for m in DANGEROUS.finditer(html)})


def get_pages(app: Flask, values: dict[str, object], reflected: bool = True) -> Iterator[tuple[str, str]]:
    """Every GET route, filled with A's objects, and again with a payload in the usual query parameters."""
    query = "&".join(f"{name}={quote(PAYLOAD)}" for name in ("q", "text", "next", "cursor", "queue", "status"))
    for rule in rules(app):
        if "GET" in (rule.methods or ()):
            path = fill(rule, values)
            yield rule.endpoint, path
            if reflected or rule.endpoint == "search.index":
                yield rule.endpoint, f"{path}?{query}"


def test_the_payload_reaches_every_kind_of_text(session: Session, web: Flask, world: World) -> None:
    assert unsafe_fragments(PAYLOAD) and not unsafe_fragments(str(escape(PAYLOAD))), "the detector itself works"
    written = poison(session)
    for column in ("requests.title", "requests.description", "messages.body", "service_plans.goals",
                   "milestones.notes", "hotline_sessions.reason", "hotline_sessions.minutes_internal",
                   "instructions.body", "enterprises.name", "users.name", "task_forces.purpose"):
        assert column in written


def test_no_page_shows_the_payload_unescaped_to_any_role(session: Session, web: Flask, world: World,
                                                         prober: Prober) -> None:
    poison(session)
    unsafe, crashed, html_pages = [], [], 0
    for endpoint, path in get_pages(web, world.converter_values()):
        for role in ROLES:
            response = prober.call(role, "GET", path)
            if response.status_code >= 500:
                crashed.append(f"{role} {path}: {response.status_code}")
            kind = response.headers.get("Content-Type", "")
            if kind.startswith("text/html"):
                html_pages += 1 if response.status_code == 200 else 0
                found = unsafe_fragments(response.get_data(as_text=True))
                if found:
                    unsafe.append(f"{role} {endpoint} {path[:80]}: {found}")
            elif kind.startswith(("text/csv", "text/calendar")):
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers.get("Content-Disposition", "").startswith("attachment"), path
    assert crashed == [] and unsafe == [], "\n".join(crashed + unsafe)
    assert html_pages > 100, "the crawl should have seen the app's pages"


def test_csv_exports_keep_the_payload_inert_and_formulas_disarmed(session: Session, web: Flask, world: World,
                                                                  prober: Prober) -> None:
    poison(session)
    for role, path in (("staff_x", "/export/requests.csv"), ("director_x", "/director/export.csv")):
        response = prober.call(role, "GET", path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "alert(1)" in body, "the export carries the text as data: a download, never a page"
        assert not re.search(r'(^|,)"?=HYPERLINK', body, re.MULTILINE), "a cell may not start a formula"


def test_notifications_show_the_payload_inert(session: Session, web: Flask, world: World, prober: Prober) -> None:
    poison(session)
    page = prober.call("enterprise_a", "GET", "/notifications/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;script&gt;" in page
    assert unsafe_fragments(page) == []


# ---- in a real browser ------------------------------------------------------------------------------------

CHECK_DOM = """() => {
  const handlers = [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  return {
    inlineScripts: document.querySelectorAll('script:not([src])').length,
    injected: document.querySelectorAll('img[src="x"], svg[onload]').length,
    handlers: handlers.length,
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
  };
}"""


@dataclass
class Poisoned:
    server: LiveServer
    emails: dict[str, str]
    values: dict[str, object]


@pytest.fixture(scope="module")
def poisoned_live(live_server: LiveServer) -> Poisoned:  # noqa: F811 - imported fixture
    with live_server.session() as session:
        world = build_world(session, live_server.app.config["UPLOAD_FOLDER"])
        emails, values = {role: user.email for role, user in world.users.items()}, world.converter_values()
        poison(session)
        return Poisoned(live_server, emails, values)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}")
@pytest.mark.parametrize("role", ["enterprise_a", "director_x", "admin"])  # directors see every desk page too
def test_chromium_runs_no_injected_script_on_any_page(poisoned_live: Poisoned, browser: Any,  # noqa: F811
                                                      role: str) -> None:
    from tests import factories

    server = poisoned_live.server
    context = browser.new_context(base_url=server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto("/login")
        page.fill("input[name=email]", poisoned_live.emails[role])
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        findings = []
        for endpoint, path in get_pages(server.app, poisoned_live.values, reflected=False):
            if path.startswith("/api/") or endpoint.endswith(("export", "_csv", "invitation", "download")) \
                    or endpoint in {"auth.login", "auth.register", "two_factor.second_step"}:
                continue
            response = page.goto(path)
            if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            dom = page.evaluate(CHECK_DOM)
            if any(dom.values()):
                findings.append(f"{path[:80]}: {dom}")
        assert dialogs == [], f"a dialog opened: {dialogs}"
        assert findings == [], "\n".join(findings)
    finally:
        context.close()
