"""Security headers on every kind of response, session cookie flags, and production's refusal to run unsafely."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from config import DEVELOPMENT_TOTP_KEY, EXIT_BAD_SETTINGS, load_settings
from service.models import Role
from tests import factories
from tests.suite import login, reset_process_settings


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


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/login", 200),
        ("GET", "/register", 200),
        ("GET", "/", 302),
        ("GET", "/healthz", 200),
        ("GET", "/static/css/app.css", 200),
        ("GET", "/no/such/page", 404),
        ("POST", "/login", 400),  # no CSRF token
        ("PUT", "/login", 405),
    ],
)
def test_every_response_carries_the_security_headers(client: FlaskClient, method: str, path: str, status: int) -> None:
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


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-production-secret-that-is-long-enough-0123456789",
    # The suite's own key is the development one, which production refuses.
    "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DATABASE_URL": "sqlite://",
    # The KDF cost is process-wide; keep the rest of the suite fast.
    "PASSWORD_TIME_COST": "1",
    "PASSWORD_MEMORY_COST": "1024",
}


def _environment(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_production_marks_the_session_cookie_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    _environment(monkeypatch, **PRODUCTION)
    app = create_app()
    try:
        with app.test_client() as client:
            response = client.get("/login", base_url="https://desk.example.gov.cn")
            cookie = _session_cookie(response)
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
            _assert_security_headers(response)
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.extensions["db_engine"].dispose()
        reset_process_settings()


def _refusal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **variables: str) -> str:
    """What the operator reads when the app will not start with these environment variables."""
    _environment(monkeypatch, **{**PRODUCTION, **variables})
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert stopped.value.code == EXIT_BAD_SETTINGS
    return capsys.readouterr().err


@pytest.mark.parametrize("secret", ["", "short-secret", "dev-only-not-secret"])
def test_production_refuses_to_start_without_a_real_secret_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str
) -> None:
    message = _refusal(monkeypatch, capsys, SECRET_KEY=secret)
    assert "SECRET_KEY: must be set to at least 32 random characters in production" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("keys", ["", "not-a-fernet-key", DEVELOPMENT_TOTP_KEY])
def test_production_refuses_to_start_without_its_own_totp_encryption_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], keys: str
) -> None:
    message = _refusal(monkeypatch, capsys, TOTP_ENCRYPTION_KEYS=keys)
    assert "TOTP_ENCRYPTION_KEYS: must" in message and "Fernet.generate_key()" in message
    assert not keys or keys not in message, "a key is never printed"
