"""Security headers on every kind of response, session cookie flags, and production's refusal to run unsafely."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from config import DEVELOPMENT_TOTP_KEY, ProductionConfig, TestingConfig
from service.models import Role
from service.operations import two_factor
from tests import factories
from tests.conftest import login


def _assert_security_headers(response: TestResponse) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/login", 200),
    ("GET", "/register", 200),
    ("GET", "/", 302),
    ("GET", "/healthz", 200),
    ("GET", "/static/css/app.css", 200),
    ("GET", "/no/such/page", 404),
    ("POST", "/login", 400),  # no CSRF token
    ("PUT", "/login", 405),
])
def test_every_response_carries_the_security_headers(client: FlaskClient, method: str, path: str,
                                                     status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    _assert_security_headers(response)


def test_signed_in_pages_carry_the_headers_and_are_not_cached(client: FlaskClient, session: Session) -> None:
    login(client, factories.user(session, Role.ADMIN, "JL-HUB"))
    for path in ("/admin/users", "/admin/stations", "/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_security_headers(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: FlaskClient, session: Session) -> None:
    login(client, factories.user(session, Role.ADMIN, "JL-HUB"))
    for path in ("/admin/users", "/admin/users/new", "/admin/stations"):
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page and "style=" not in page and "onclick" not in page.lower(), path


def _session_cookie(response: TestResponse) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the response set no session cookie"
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    cookie = _session_cookie(client.get("/login"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


class _Production(ProductionConfig):
    SECRET_KEY = "a-production-secret-that-is-long-enough-0123456789"
    # The key the rest of the suite encrypts TOTP secrets with is the development one, which production refuses.
    TOTP_ENCRYPTION_KEYS = Fernet.generate_key().decode()
    DATABASE_URL = "sqlite://"
    # The KDF cost is process-wide; keep the rest of the suite fast.
    PASSWORD_TIME_COST = TestingConfig.PASSWORD_TIME_COST
    PASSWORD_MEMORY_COST = TestingConfig.PASSWORD_MEMORY_COST


def test_production_marks_the_session_cookie_secure() -> None:
    app = create_app(_Production)
    try:
        with app.test_client() as client:
            response = client.get("/login", base_url="https://desk.example.gov.cn")
            cookie = _session_cookie(response)
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
            _assert_security_headers(response)
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.extensions["db_engine"].dispose()
        two_factor.configure_encryption(TestingConfig.TOTP_ENCRYPTION_KEYS)


@pytest.mark.parametrize("secret", ["", "short-secret"])
def test_production_refuses_to_start_without_a_real_secret_key(secret: str) -> None:
    class Unsafe(_Production):
        SECRET_KEY = secret

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Unsafe)


@pytest.mark.parametrize("keys", ["", "not-a-fernet-key", DEVELOPMENT_TOTP_KEY])
def test_production_refuses_to_start_without_its_own_totp_encryption_key(keys: str) -> None:
    class Unsafe(_Production):
        TOTP_ENCRYPTION_KEYS = keys

    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEYS"):
        create_app(Unsafe)
