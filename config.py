"""The app's settings: one typed object, read from the environment variables of README's Configuration table.

Development runs with no environment at all (an SQLite file under ``instance/``); production refuses to
start without a real secret key and TOTP keys of its own. ``load_settings`` turns a bad value into a
message naming the variable, and stops.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from typing import Any, Literal

from cryptography.fernet import Fernet, MultiFernet
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from service import PROJECT_DIR
from service.errors import N_
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import DeskSettings

INSTANCE_DIR = PROJECT_DIR / "instance"
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
# Derived from a public phrase, so the same in every checkout: for development and tests only, never production.
DEVELOPMENT_TOTP_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"innovation-service-desk development TOTP key: not secret").digest()
).decode()
NEW_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


def totp_cipher(keys: str) -> MultiFernet:
    """The Fernet keys of TOTP_ENCRYPTION_KEYS, newest first: the first encrypts, every one decrypts.

    Raises ValueError for an empty list or a malformed key.
    """
    return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])


class Settings(BaseSettings):
    """Each field is read from the environment variable of its name in capitals (``app_env`` from APP_ENV)."""

    # Frozen: one object is shared by every request of a process. An unknown keyword is a typo, not a setting.
    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_ignore_empty=True)

    # First: the checks of the fields below depend on it.
    app_env: Literal["development", "production", "testing"] = "development"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'desk.sqlite3'}"
    # Per worker process, plus as many overflow: workers x 2 x pool must stay below PostgreSQL's max_connections.
    database_pool_size: int = Field(5, ge=1)

    upload_folder: str = str(INSTANCE_DIR / "uploads")
    # Where attachments are kept: "filesystem" (UPLOAD_FOLDER, the default) or "s3", an S3-compatible bucket that
    # every server reaches (S3_BUCKET; S3_ENDPOINT_URL for a store other than AWS; the credentials from the usual
    # AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role).
    attachment_storage: Literal["filesystem", "s3"] = "filesystem"
    s3_bucket: str = Field("", validate_default=True)
    s3_endpoint_url: str = ""
    s3_region: str = ""
    # The background jobs' queue (service/jobs.py) and the rate limits' counters: Redis when set
    # (redis://host:6379/0), else a SQLite file which every process of one machine shares, and the database.
    redis_url: str | None = None
    # Starts the rate limits' keys in Redis and the job queue's name: deployments (or test runs) sharing one Redis
    # stay apart.
    redis_prefix: str = "desk:"
    jobs_file: str = str(INSTANCE_DIR / "jobs.sqlite3")
    max_attachment_bytes: int = Field(20 * 1024 * 1024, ge=1)
    max_attachments_per_message: int = Field(5, ge=1)

    # The organisation's one name, in English: every page header, title and footer shows it through the
    # catalog, so a deployment that renames it adds the name's Chinese to translations/zh as well.
    organisation_name: str = Field(
        N_("Medical Device Innovation Service Station of the Jilin Medical Products Administration"), min_length=1
    )
    meeting_url_template: str = "https://meet.example.gov.cn/hotline/{reference}-{token}"

    # Working hours of every station (Asia/Shanghai), as "HH:MM-HH:MM" spans separated by commas.
    sla_working_hours: str = "09:00-12:00,13:00-17:00"
    reopen_window_days: int = Field(14, ge=0)
    auto_close_days: int = Field(7, ge=1)
    # The supervision loop: working hours to sign for a dispatched request (签收), and how many extensions
    # (延期) of one request a station's director may approve before only the provincial director may.
    sign_for_hours: int = Field(4, ge=1)
    max_extensions: int = Field(2, ge=0)
    # A supervision order (督办) turns red once overdue by more than this many working days, or once its request
    # has been reminded (催办) more than this many times.
    supervision_red_days: int = Field(3, ge=0)
    supervision_red_reminders: int = Field(3, ge=0)
    # Reminders (催办): the automatic one before the breach comes at this share of a clock's working time
    # limit (the other at the breach). A result may be visited (回访) this many days after it.
    reminder_share: float = Field(0.75, gt=0, lt=1)
    return_visit_days: int = Field(10, ge=1)
    # The hour (0-23, Beijing time) the daily digest of email leaves (README, Mail).
    digest_hour: int = Field(8, ge=0, le=23)

    # Email (README, Mail): with no SMTP_HOST the messages are written as .eml files into MAIL_FOLDER instead.
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "service-desk@localhost"
    mail_folder: str = str(INSTANCE_DIR / "mail")
    # Where users open the desk: the links in the messages are made absolute with it.
    base_url: str = "http://localhost:5000"
    # Email in (README, Mail in): each request's mail says "reply to" REPLY_ADDRESS with the request in a plus
    # part (desk+r42-…@example.gov.cn); unset, replies go to MAIL_FROM and find their request by their
    # In-Reply-To. With IMAP_HOST set, the job consumer reads IMAP_FOLDER every minute.
    reply_address: str = ""
    imap_host: str = ""
    imap_port: int = Field(993, ge=1, le=65535)
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_ssl: bool = True

    # TOTP secrets are stored encrypted with these comma-separated Fernet keys, newest first
    # (rotation: put a new key first, run `flask rotate-totp-key`, then drop the old one).
    totp_encryption_keys: str = DEVELOPMENT_TOTP_KEY
    # Argon2id; its floor is 8 KiB of memory for each of its 4 lanes.
    password_time_cost: int = Field(3, ge=1)
    password_memory_cost: int = Field(65536, ge=32)

    # API rate limits, fixed one-minute windows counted in the database so that every worker shares them:
    # per personal access token, and per client address (which also bounds token guessing).
    api_rate_limit_per_minute: int = Field(120, ge=1)
    api_rate_limit_per_ip_per_minute: int = Field(300, ge=1)
    api_token_max_days: int = Field(365, ge=1)

    # How many reverse proxies (nginx, a load balancer) stand in front of the app. With 0 the client address
    # is the socket's; behind a proxy that is the proxy's own address, and the per-address sign-in and API
    # limits would then count every user together. Set it to the number of proxies that append to
    # X-Forwarded-For (usually 1); never more than there are.
    proxy_count: int = Field(0, ge=0)
    # Unset, both follow APP_ENV: on in production. Two-step sign-in is off in development so that
    # `flask quickstart`'s demo accounts sign in with a password only (set it to 1 to try the enrolment).
    session_cookie_secure: bool = Field(None, validate_default=True)
    require_two_factor_for_desk: bool = Field(None, validate_default=True)

    @field_validator("session_cookie_secure", "require_two_factor_for_desk", mode="before")
    @classmethod
    def _on_in_production(cls, value: Any, info: ValidationInfo) -> Any:
        return info.data.get("app_env") == "production" if value is None else value

    @field_validator("secret_key")
    @classmethod
    def _real_secret_in_production(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("app_env") == "production" and len(value) < 32:
            raise ValueError(
                "must be set to at least 32 random characters in production, the same on every server "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return value

    @field_validator("totp_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: str, info: ValidationInfo) -> str:
        try:
            totp_cipher(value)
        except ValueError:
            raise ValueError(f"must be one or more Fernet keys separated by commas ({NEW_FERNET_KEY})") from None
        if info.data.get("app_env") == "production" and DEVELOPMENT_TOTP_KEY in value:
            raise ValueError(f"must not use the development key in production ({NEW_FERNET_KEY})")
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _bucket_for_s3(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("attachment_storage") == "s3" and not value:
            raise ValueError("must name the bucket when ATTACHMENT_STORAGE is s3")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "must be an SQLAlchemy URL, e.g. postgresql+psycopg://desk:secret@db.example:5432/desk"
            ) from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_address(cls, value: str) -> str:
        if "@" not in value or any(c.isspace() for c in value):
            raise ValueError("must be an email address, e.g. service-desk@example.gov.cn")
        return value

    @field_validator("reply_address")
    @classmethod
    def _reply_address(cls, value: str) -> str:
        local, at, domain = value.partition("@")
        if value and (not at or not local or not domain or "+" in local or any(c.isspace() for c in value)):
            raise ValueError("must be an email address without a + part, e.g. desk@example.gov.cn")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the desk's address as users open it, e.g. https://desk.example.gov.cn")
        return value.rstrip("/")

    @field_validator("sla_working_hours")
    @classmethod
    def _working_hours(cls, value: str) -> str:
        WorkingCalendar.from_setting(value, {})  # its ValueError says which span is wrong
        return value

    @field_validator("meeting_url_template")
    @classmethod
    def _meeting_url(cls, value: str) -> str:
        try:
            value.format(reference="JL-2024-0001", token="t")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                "may use {reference} and {token} only, e.g. https://meet.example/{reference}-{token}"
            ) from None
        return value

    @property
    def desk(self) -> DeskSettings:
        """What the operations need (they never read this module)."""
        return DeskSettings(
            upload_folder=self.upload_folder,
            attachment_storage=self.attachment_storage,
            s3_bucket=self.s3_bucket,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_region=self.s3_region,
            max_attachment_bytes=self.max_attachment_bytes,
            max_attachments=self.max_attachments_per_message,
            working_hours=self.sla_working_hours,
            reopen_window_days=self.reopen_window_days,
            auto_close_days=self.auto_close_days,
            sign_for_hours=self.sign_for_hours,
            max_extensions=self.max_extensions,
            supervision_red_days=self.supervision_red_days,
            supervision_red_reminders=self.supervision_red_reminders,
            reminder_share=self.reminder_share,
            return_visit_days=self.return_visit_days,
            digest_hour=self.digest_hour,
        )

    def totp_cipher(self) -> MultiFernet:
        return totp_cipher(self.totp_encryption_keys)

    def flask_config(self) -> dict[str, Any]:
        """What Flask and its extensions (Flask-WTF, Flask-Login) read from ``app.config``."""
        return {
            "TESTING": self.app_env == "testing",
            "SECRET_KEY": self.secret_key,
            # The whole request body: every attachment of one form plus the form itself.
            "MAX_CONTENT_LENGTH": self.max_attachment_bytes * self.max_attachments_per_message + 1024 * 1024,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.session_cookie_secure,
            # A form's CSRF token lives as long as the session: a form left open over lunch still sends.
            "WTF_CSRF_TIME_LIMIT": None,
        }


def settings_problem(error: ValidationError) -> str:
    """One line per bad variable, named as it is set in the environment (values are not repeated: secrets)."""
    lines = ["The service desk did not start: fix these settings (see README, Configuration)."]
    for problem in error.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        lines.append(f"  {name}: {problem['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


# gunicorn's "worker failed to boot": its master stops, rather than start worker after worker that cannot start.
EXIT_BAD_SETTINGS = 3


def load_settings() -> Settings:
    """The environment's settings; a bad one prints what to fix (no traceback) and exits."""
    try:
        return Settings()
    except ValidationError as error:
        print(settings_problem(error), file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
