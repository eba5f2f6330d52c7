"""Shared fixtures.

The schema is built once per run by the migrations themselves (so every run
also proves they work); each test then runs inside a transaction that is
rolled back, so tests stay independent and fast. Set TEST_DATABASE_URL to run
the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from service.demo import seed
from service.infrastructure import passwords, session_hooks
from service.operations import two_factor
from service.store import reference
from service.store.db import make_engine
from service.web.cli import upgrade_database


class SuiteSettings(Settings):
    """Settings made by the tests alone: the environment of whoever runs the suite changes nothing."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        **environment: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def suite_settings(**overrides: Any) -> Settings:
    """The suite's settings: Flask's testing mode; Argon2 at its cheapest, since the suite hashes hundreds of
    passwords; enrolment in two-step sign-in not required (its own tests switch it on). ``overrides`` win."""
    return SuiteSettings(
        **{
            "app_env": "testing",
            "secret_key": "testing-secret",
            "require_two_factor_for_desk": False,
            "password_time_cost": 1,
            "password_memory_cost": 1024,
            **overrides,
        }
    )


def change_settings(monkeypatch: pytest.MonkeyPatch, app: Flask, **changes: Any) -> Settings:
    """Give ``app`` these settings changed for the rest of the test (views read them on every request)."""
    current = app.extensions["settings"]
    changed = type(current)(**{**current.model_dump(), **changes})
    monkeypatch.setitem(app.extensions, "settings", changed)
    return changed


def reset_process_settings() -> None:
    """Set what create_app sets for the whole process (KDF cost, TOTP cipher) as the suite's settings have it."""
    suite = suite_settings()
    passwords.configure(suite.password_time_cost, suite.password_memory_cost)
    two_factor.configure_encryption(suite.totp_cipher())


reset_process_settings()


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Empty the database, then migrate it to head."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    upgrade_database(url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    reset_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed.seed_reference_data(session)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture(autouse=True)
def _fresh_reference_data() -> None:
    """Pages read stations and the calendar of this test's own (rolled-back) transaction, never a snapshot
    that an earlier test left in the process (service/store/reference.py)."""
    reference.forget()


def session_factory(**options: object) -> sessionmaker[Session]:
    """Sessions kept in step with the search index and the attachment files, as the app's own are."""
    sessions: sessionmaker[Session] = sessionmaker(**options)  # type: ignore[call-overload]
    session_hooks.register(sessions)
    return sessions


# Sessions of tests that commit for real (concurrency, locking): Sessions(bind=engine).
Sessions = session_factory()
# Each commit inside the code under test releases a savepoint; the test's outer transaction is rolled back at the end.
_joined_sessions = session_factory(join_transaction_mode="create_savepoint", expire_on_commit=False)


def _joined_session(connection: Connection) -> Session:
    return _joined_sessions(bind=connection)


@pytest.fixture()
def session(connection: Connection) -> Iterator[Session]:
    s = _joined_session(connection)
    yield s
    s.close()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from app import create_app

    return create_app(suite_settings(database_url=database_url, upload_folder=str(tmp_path_factory.mktemp("uploads"))))


@pytest.fixture()
def client(app: Flask, connection: Connection) -> Iterator[FlaskClient]:
    """A test client whose every web request uses the test's rolled-back transaction."""
    app.extensions["db_sessions"] = lambda: _joined_session(connection)
    with app.test_client() as test_client:
        yield test_client


CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """A valid CSRF token for the client's session, read from a rendered page like a browser would."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, user: object) -> None:
    """Sign ``user`` in through the session cookie (the login form has its own tests)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()  # type: ignore[attr-defined]
        sess["_fresh"] = True


def post_form(client: FlaskClient, path: str, data: dict, **kwargs: object):  # type: ignore[no-untyped-def]
    """POST a form with a valid CSRF token, as the browser would after loading the page."""
    return client.post(path, data={"csrf_token": csrf_token(client), **data}, **kwargs)
