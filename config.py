"""Settings read from the environment.

Development runs with no environment at all (an SQLite file under ``instance/``);
production refuses to start without a real secret key.
"""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from service.errors import N_

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


# Derived from a public phrase, so the same in every checkout: for development and tests only, never production.
DEVELOPMENT_TOTP_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"innovation-service-desk development TOTP key: not secret").digest()).decode()


def totp_cipher(keys: str) -> MultiFernet:
    """The Fernet keys of TOTP_ENCRYPTION_KEYS, newest first: the first encrypts, every one decrypts.

    Raises ValueError for an empty list or a malformed key.
    """
    return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'desk.sqlite3'}")
    # Pool size per worker process; gunicorn runs several workers, PostgreSQL's
    # default max_connections (100) must cover workers x (pool + overflow).
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 5)

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_ATTACHMENT_BYTES = _env_int("MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
    MAX_ATTACHMENTS_PER_MESSAGE = _env_int("MAX_ATTACHMENTS_PER_MESSAGE", 5)
    # Whole request body: every attachment of one form plus the form itself.
    MAX_CONTENT_LENGTH = MAX_ATTACHMENT_BYTES * MAX_ATTACHMENTS_PER_MESSAGE + 1024 * 1024

    # The organisation's one name, in English: every page header, title and footer shows it through the
    # catalog, so a deployment that renames it adds the name's Chinese to translations/zh as well.
    ORGANISATION_NAME = os.environ.get(
        "ORGANISATION_NAME",
        N_("Medical Device Innovation Service Station of the Jilin Medical Products Administration"),
    )

    MEETING_URL_TEMPLATE = os.environ.get(
        "MEETING_URL_TEMPLATE", "https://meet.example.gov.cn/hotline/{reference}-{token}"
    )

    SLA_TIMEZONE = "Asia/Shanghai"
    # Working hours of every station, as "HH:MM-HH:MM" spans separated by commas.
    SLA_WORKING_HOURS = os.environ.get("SLA_WORKING_HOURS", "09:00-12:00,13:00-17:00")
    REOPEN_WINDOW_DAYS = _env_int("REOPEN_WINDOW_DAYS", 14)
    AUTO_CLOSE_DAYS = _env_int("AUTO_CLOSE_DAYS", 7)

    # TOTP secrets are stored encrypted with these comma-separated Fernet keys, newest first
    # (rotation: put a new key first, run `flask rotate-totp-key`, then drop the old one).
    TOTP_ENCRYPTION_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS", DEVELOPMENT_TOTP_KEY)

    PASSWORD_TIME_COST = _env_int("PASSWORD_TIME_COST", 3)
    PASSWORD_MEMORY_COST = _env_int("PASSWORD_MEMORY_COST", 65536)

    # API rate limits, fixed one-minute windows counted in the database so that every
    # worker shares them: per personal access token, and per client address (which
    # also bounds token guessing). API_TOKEN_MAX_DAYS caps a token's lifetime.
    API_RATE_LIMIT_PER_MINUTE = _env_int("API_RATE_LIMIT_PER_MINUTE", 120)
    API_RATE_LIMIT_PER_IP_PER_MINUTE = _env_int("API_RATE_LIMIT_PER_IP_PER_MINUTE", 300)
    API_TOKEN_MAX_DAYS = 365

    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # How many reverse proxies (nginx, a load balancer) stand in front of the app. With 0 the
    # client address is the socket's; behind a proxy that is the proxy's own address, and the
    # per-address sign-in and API limits would then count every user together. Set it to the
    # number of proxies that append to X-Forwarded-For (usually 1); never more than there are.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    # Staff, directors and admins must set up two-step sign-in (TOTP) before any other page.
    # On in production; off by default in development so that `flask quickstart`'s demo
    # accounts sign in with a password only (set it to 1 to try the enrolment).
    REQUIRE_TWO_FACTOR_FOR_DESK = _env_bool("REQUIRE_TWO_FACTOR_FOR_DESK", False)

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    TESTING = False

    @classmethod
    def check(cls) -> None:
        """Refuse settings that are unsafe for this environment."""


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REQUIRE_TWO_FACTOR_FOR_DESK = _env_bool("REQUIRE_TWO_FACTOR_FOR_DESK", True)
    TOTP_ENCRYPTION_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS", "")

    @classmethod
    def check(cls) -> None:
        if len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to at least 32 random characters in production")
        if DEVELOPMENT_TOTP_KEY in cls.TOTP_ENCRYPTION_KEYS:
            raise RuntimeError("TOTP_ENCRYPTION_KEYS must not use the development key in production")
        try:
            totp_cipher(cls.TOTP_ENCRYPTION_KEYS)
        except ValueError:
            raise RuntimeError("TOTP_ENCRYPTION_KEYS must be set to one or more Fernet keys in production "
                               "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
                               ) from None


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    # Tests that sign desk users in directly are not about enrolment; its own tests switch it on.
    REQUIRE_TWO_FACTOR_FOR_DESK = False
    # Argon2 at its cheapest: the suite hashes hundreds of passwords.
    PASSWORD_TIME_COST = 1
    PASSWORD_MEMORY_COST = 1024


def config_from_environment() -> type[Config]:
    name = os.environ.get("APP_ENV", "development")
    return {"production": ProductionConfig, "development": Config, "testing": TestingConfig}[name]
