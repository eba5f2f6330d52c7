"""Sign-in sessions, CSRF and the security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings
from service.errors import N_
from service.infrastructure import passwords
from service.models import User
from service.operations import two_factor
from service.web.database import db

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

csrf = CSRFProtect()
login_manager = LoginManager()


def register(app: Flask, settings: Settings) -> None:
    proxies = settings.proxy_count
    if proxies:
        # The client's address and scheme as the trusted proxies report them (limits, HSTS, Secure cookies).
        # Flask's documented way to wrap its WSGI callable, which mypy sees as a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    passwords.configure(settings.password_time_cost, settings.password_memory_cost)
    two_factor.configure_encryption(settings.totp_cipher())
    csrf.init_app(app)
    # The API takes bearer tokens only, never the session cookie (service/web/api/auth.py).
    from service.web.api import bp as api_bp

    csrf.exempt(api_bp)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to continue.")
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(refuse_nul_characters)
    app.before_request(require_password_change)
    app.after_request(add_security_headers)


def refuse_nul_characters() -> None:
    """No text of this desk contains U+0000; PostgreSQL refuses it with an error, so it is refused here as bad input."""
    sources = [request.args, request.form] if request.mimetype in FORM_TYPES else [request.args]
    if any("\x00" in value for source in sources for _, values in source.lists() for value in values):
        abort(400)


# What a user with a temporary password may still reach: the page to replace it, and the way out.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.language", "static"})


def require_password_change() -> ResponseReturnValue | None:
    """After an administrator's reset, every page leads to the password page until the password is replaced."""
    if request.blueprint == "api" or request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        flash(gettext("Your password was reset by an administrator. Choose a new password to continue."), "info")
        return redirect(url_for("auth.change_password"))
    return None


# Scope checks read the user's station, and the portal the user's enterprise: they come in the same statement,
# built once (every request of a signed-in user runs it).
_USER_WITH_SCOPE = (
    select(User).where(User.id == bindparam("user_id")).options(joinedload(User.station), joinedload(User.enterprise))
)


def load_user(cookie_id: str) -> User | None:
    """Find the user of a session cookie; a stale token (logout, password change) or a deactivated user ends it."""
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db().scalars(_USER_WITH_SCOPE, {"user_id": int(user_id)}).first()
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "Cache-Control" not in headers and request.endpoint != "static":
        # Pages carry case data: keep them out of shared caches.
        headers["Cache-Control"] = "no-store"
    return response
