"""Shared fixtures.

The schema is built once per run by the migrations themselves (so every run
also proves they work); each test then runs inside a transaction that is
rolled back, so tests stay independent and fast. Set TEST_DATABASE_URL to run
the same suite on PostgreSQL; with pytest-xdist (-n 2) each worker has a database of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.demo import seed
from service.models import ServiceRequest
from service.store import reference
from service.store.db import make_engine
from service.store.settings import DeskSettings
from service.web.cli import upgrade_database
from tests import factories
from tests.request_helpers import full_request
from tests.scratch import ON_POSTGRESQL, TEST_DATABASE_URL, WORKER, postgresql_database
from tests.shared_services import object_storage, redis_key_prefix, redis_unreachable
from tests.smtp_sink import SmtpSink
from tests.suite import joined_session, reset_process_settings, suite_settings

# What create_app sets for the whole process, as the suite's settings have it, before any test runs.
reset_process_settings()


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


@contextmanager
def _suite_database(tmp_dir: Path) -> Iterator[str]:
    """The database the suite's transactions run in: TEST_DATABASE_URL's, or a database of each pytest-xdist
    worker's own beside it (workers run at the same time), or a SQLite file in this process's temporary folder."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_dir / 'test.sqlite3'}"
    elif ON_POSTGRESQL and WORKER:
        with postgresql_database(WORKER) as url:
            yield url
    else:
        yield TEST_DATABASE_URL


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _suite_database(tmp_path_factory.mktemp("db")) as url:
        reset_database(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed.seed_reference_data(session)
        engine.dispose()
        yield url


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


@pytest.fixture(autouse=True)
def _suite_process_settings() -> None:
    """Each test starts with the suite's process-wide settings (the TOTP key, the password hashing cost): a
    test that built an app of its own, with other settings, changed them for the whole worker."""
    reset_process_settings()


@pytest.fixture()
def session(connection: Connection) -> Iterator[Session]:
    s = joined_session(connection)
    yield s
    s.close()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from app import create_app

    return create_app(
        suite_settings(
            database_url=database_url,
            upload_folder=str(tmp_path_factory.mktemp("uploads")),
            mail_folder=str(tmp_path_factory.mktemp("mail")),
        )
    )


@pytest.fixture()
def settings(tmp_path: Path) -> DeskSettings:
    """The operations' settings: an upload folder of the test's own, small attachment limits its tests can reach."""
    return suite_settings(
        upload_folder=str(tmp_path / "uploads"), max_attachment_bytes=1024 * 1024, max_attachments_per_message=3
    ).desk


@pytest.fixture()
def app_settings(app: Flask) -> DeskSettings:
    """The web app's own settings, so that files stored by operations are the ones its routes serve."""
    return app.extensions["settings"].desk  # type: ignore[no-any-return]


@pytest.fixture()
def people(session: Session) -> factories.People:
    return factories.people(session)


@pytest.fixture()
def full(session: Session, people: factories.People, app_settings: DeskSettings) -> ServiceRequest:
    return full_request(session, people, app_settings)


@pytest.fixture()
def client(app: Flask, connection: Connection) -> Iterator[FlaskClient]:
    """A test client whose every web request uses the test's rolled-back transaction."""
    app.extensions["db_sessions"] = lambda: joined_session(connection)
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture()
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server on a free local port, running (a test may stop and start it again)."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


# --- Redis and S3-compatible object storage: the services several app servers share ----------------------------


@pytest.fixture()
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own on the local Redis (REDIS_URL in tests/shared_services.py)."""
    reason = redis_unreachable()
    if reason:
        pytest.skip(reason)
    with redis_key_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with object_storage() as endpoint:
        yield endpoint


@pytest.fixture()
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket on the local S3 server, reachable with the credentials boto3 reads from the
    environment (as in production): its name."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "desk-tests")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "desk-tests")
    name = f"desk-{uuid.uuid4().hex}"
    boto3.session.Session().client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name
