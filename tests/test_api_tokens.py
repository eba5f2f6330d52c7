"""Personal access tokens: the account page, bearer authentication, scopes, the error shape and rate limits."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ApiToken, Role
from service.models.base import utcnow
from service.operations import api_tokens
from tests import factories
from tests.api_support import Caller, caller, new_request
from tests.suite import change_settings, csrf_token, login, post_form

TOKEN_SHOWN = re.compile(r'value="(isd_[A-Za-z0-9_\-]+)"')


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_only_as_its_hash(
    client: FlaskClient, session: Session
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login(client, user)
    page = post_form(client, "/account/tokens/", {"name": "ERP", "scope": "write", "days": "30"})
    secret = TOKEN_SHOWN.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    stored = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.scopes.split() == ["read", "write"]
    assert secret not in client.get("/account/tokens/").get_data(as_text=True)
    answer = client.get("/api/v1/requests", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200


def test_the_page_refuses_a_lifetime_over_a_year(client: FlaskClient, session: Session) -> None:
    login(client, factories.user(session, Role.STAFF))
    page = post_form(client, "/account/tokens/", {"name": "too long", "scope": "read", "days": "400"})
    assert page.status_code == 400
    assert session.scalars(select(ApiToken)).first() is None


def test_the_longest_lifetime_is_the_api_token_max_days_setting(
    app: Flask, client: FlaskClient, session: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_token_max_days=30)
    login(client, factories.user(session, Role.STAFF))
    page = client.get("/account/tokens/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "At most 30 days." in page and re.search(r'<input[^>]*name="days"[^>]*value="30"', page)

    refused = post_form(
        client,
        "/account/tokens/",
        {"name": "a quarter", "scope": "read", "days": "31"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 400 and "Choose a lifetime from 1 to 30 days." in refused.get_data(as_text=True)
    assert session.scalars(select(ApiToken)).first() is None
    assert post_form(client, "/account/tokens/", {"name": "a month", "scope": "read", "days": "30"}).status_code == 200
    assert session.scalars(select(ApiToken.name)).one() == "a month"


def test_a_revoked_token_answers_401(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    login(client, who.user)
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.user_id == who.user.id)).one()
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens/")}
    )
    assert response.status_code == 302
    answer = client.get("/api/v1/requests", headers=who.headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_someone_elses_token_cannot_be_revoked(client: FlaskClient, session: Session) -> None:
    owner = caller(session, Role.ENTERPRISE)
    login(client, factories.user(session, Role.ENTERPRISE))
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.user_id == owner.user.id)).one()
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens/")}
    )
    assert response.status_code == 404
    assert client.get("/api/v1/requests", headers=owner.headers).status_code == 200


def test_an_expired_token_answers_401(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    issued = api_tokens.create_token(session, user, "old", "read", 1, max_days=1, now=utcnow() - timedelta(days=2))
    assert client.get("/api/v1/requests", headers={"Authorization": f"Bearer {issued.secret}"}).status_code == 401


def test_a_signed_in_browser_without_a_token_gets_401_everywhere(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    user = factories.user(session, Role.STAFF)
    login(client, user)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi_document", "api.docs"):
            path = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:  # type: ignore[operator]
                assert client.open(path, method=method).status_code == 401, (method, path)


def test_a_read_token_may_read_but_not_write(client: FlaskClient, session: Session) -> None:
    reader = caller(session, Role.ENTERPRISE, scope="read")
    assert client.get("/api/v1/requests", headers=reader.headers).status_code == 200
    answer = client.post("/api/v1/requests", json={"title": "x"}, headers=reader.headers)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_last_use_is_recorded(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    client.get("/api/v1/requests", headers=who.headers)
    session.expire_all()
    assert session.scalars(select(ApiToken.last_used_at).where(ApiToken.user_id == who.user.id)).one() is not None


def test_errors_have_one_shape_in_the_callers_language(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    english = client.get("/api/v1/requests/999999", headers=who.headers).get_json()
    chinese = client.get("/api/v1/requests/999999", headers={**who.headers, "Accept-Language": "zh-CN"}).get_json()
    assert english["error"]["code"] == chinese["error"]["code"] == "not_found"
    assert english["error"]["status"] == 404 and english["error"]["fields"] == {}
    assert english["error"]["message"] != chinese["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", chinese["error"]["message"])


def test_wrong_types_answer_422_with_field_errors_and_bad_json_400(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    answer = client.post(
        "/api/v1/requests",
        json={"title": 5, "description": "d", "category": "nonsense", "lifecycle_stage": "research", "extra": 1},
        headers=who.headers,
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"title", "category", "extra"}
    broken = client.post("/api/v1/requests", data="{not json", content_type="application/json", headers=who.headers)
    assert broken.status_code == 400
    assert client.get("/api/v1/requests?limit=abc", headers=who.headers).status_code == 422
    assert client.get("/api/v1/requests/99999999999", headers=who.headers).status_code == 404


def test_rate_limit_per_token_answers_429_with_retry_after(
    client: FlaskClient, session: Session, app: Flask, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_rate_limit_per_minute=3)
    who = caller(session, Role.ENTERPRISE)
    other = caller(session, Role.ENTERPRISE)
    statuses = [client.get("/api/v1/requests", headers=who.headers).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    limited = client.get("/api/v1/requests", headers=who.headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/requests", headers=other.headers).status_code == 200


def test_rate_limit_per_address_also_stops_token_guessing(client: FlaskClient, app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_rate_limit_per_ip_per_minute=2)
    guesses = [
        client.get("/api/v1/requests", headers={"Authorization": f"Bearer isd_guess{n}"}).status_code for n in range(3)
    ]
    assert guesses == [401, 401, 429]


def test_openapi_document_and_docs_page_need_no_token(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/requests/{request_id}" in document["paths"]
    page = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "/api/v1/requests" in page.get_data(as_text=True)
    assert "<script" not in page.get_data(as_text=True)


def test_cli_creates_a_token(app: Flask, session: Session, client: FlaskClient) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["create-token", "--email", user.email, "--scopes", "write"])
    secret = result.output.strip()
    assert secret.startswith("isd_"), (result.output, result.exception)
    assert new_request(client, Caller(user, secret))["status"] == "submitted"


def test_the_cli_refuses_a_lifetime_over_the_setting(
    app: Flask, session: Session, client: FlaskClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_token_max_days=30)
    user = factories.user(session, Role.ENTERPRISE)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["create-token", "--email", user.email, "--days", "31"])
    assert result.exit_code != 0 and "days: Choose a lifetime from 1 to 30 days." in result.output
