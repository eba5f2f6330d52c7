"""Every route answers an id no record can have (too large for the database, or malformed) with 404, never 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import caller
from tests.suite import login

ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Beyond PostgreSQL's integer, beyond SQLite's 64 bits, far beyond; then ids that are no number at all.
BAD_IDS = ("2147483648", str(2**63), str(2**70), "0", "-1", "1.5", "１２")


def _id_routes(app: Flask) -> list[str]:
    return sorted(
        {rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ()) and "<int:" in rule.rule}
    )


def _with_id(rule: str, bad_id: str) -> str:
    return ARGUMENT.sub(lambda m: bad_id if m.group(1) == "int" else "x", rule)


def test_the_app_has_id_routes_for_pages_and_the_api(app: Flask) -> None:
    routes = _id_routes(app)
    assert "/portal/requests/<int:request_id>" in routes
    assert any(r.startswith("/api/v1/") for r in routes) and len(routes) > 20


@pytest.mark.parametrize("role", list(Role))
def test_no_page_fails_on_an_id_no_record_can_have(
    app: Flask, client: FlaskClient, session: Session, role: Role
) -> None:
    person = caller(session, role)
    login(client, person.user)
    for rule in _id_routes(app):
        for bad_id in BAD_IDS:
            path = _with_id(rule, bad_id)
            response = client.get(path, headers=person.headers if path.startswith("/api/") else {})
            assert response.status_code == 404, (path, response.status_code)
