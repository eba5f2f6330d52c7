"""Stored and reflected XSS: a corpus of payloads in every free-text column of the database, then every page,
export and notification, as every role: the payload never reaches the HTML unescaped, and in Chromium no
dialog opens and no injected element or handler exists (tests/browser/test_xss_chromium.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.models import ServiceRequest
from service.models.base import Base
from tests.security.probe import Prober
from tests.security.world import ROLES, World, fill, rules

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
NOT_TEXT = {
    "email",
    "password_hash",
    "session_token",
    "totp_secret",
    "token_hash",
    "stored_name",
    "sha256",
    "content_type",
    "credit_code",
    "reference",
    "idempotency_key",
    "key",
    "endpoint",
    "code",
    "code_hash",
    "scopes",
    "locale",
    "meeting_link",
}


def newest_ids(session: Session) -> dict[str, int]:
    """The highest id of every table that has one: rows made after this are the ones ``poison(since=...)`` touches."""
    return {
        t.name: session.scalar(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))) or 0
        for t in Base.metadata.sorted_tables
        if "id" in t.c
    }


def poison(session: Session, since: dict[str, int] | None = None) -> list[str]:
    """Write the payload into every free-text column of every row (or of the rows newer than ``since``)."""
    written = []
    for table in Base.metadata.sorted_tables:
        if since is not None and table.name not in since:
            continue
        rows = table.c.id > since[table.name] if since is not None else sa.true()
        for column in table.columns:
            kind = column.type
            if (
                not isinstance(kind, sa.String)
                or isinstance(kind, sa.Enum)
                or column.name in NOT_TEXT
                or column.primary_key
                or column.foreign_keys
            ):
                continue
            value = PAYLOAD[: kind.length] if kind.length else PAYLOAD
            savepoint = session.begin_nested()
            try:
                session.execute(sa.update(table).where(rows).values({column.name: value}))
                savepoint.commit()
                written.append(f"{table.name}.{column.name}")
            except IntegrityError:
                savepoint.rollback()
    session.execute(
        sa.update(ServiceRequest)
        .where(ServiceRequest.id == session.scalar(sa.select(sa.func.max(ServiceRequest.id))))
        .values(product_name=FORMULA)
    )
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
    for column in (
        "requests.title",
        "requests.description",
        "messages.body",
        "service_plans.goals",
        "milestones.notes",
        "hotline_sessions.reason",
        "hotline_sessions.minutes_internal",
        "instructions.body",
        "enterprises.name",
        "users.name",
        "task_forces.purpose",
    ):
        assert column in written


@pytest.mark.slow  # every page, as every role
def test_no_page_shows_the_payload_unescaped_to_any_role(
    session: Session, web: Flask, world: World, prober: Prober
) -> None:
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


def test_csv_exports_keep_the_payload_inert_and_formulas_disarmed(
    session: Session, web: Flask, world: World, prober: Prober
) -> None:
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
