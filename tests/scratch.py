"""The suite's databases beside its own: each pytest-xdist worker's, and scratch ones for tests whose code commits
for real (bulk loads, several threads, backups, migrations): a SQLite file, or a throw-away PostgreSQL database
named after TEST_DATABASE_URL's when that is set. Each worker's names differ, so workers never share one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from service.store.db import make_engine
from service.web.cli import upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRESQL = TEST_DATABASE_URL.startswith("postgresql")
# The kind of database the suite runs on, and every kind a test that compares them can use here.
SUITE_ENGINE = "postgresql" if ON_POSTGRESQL else "sqlite"
ENGINES = ["sqlite", "postgresql"] if ON_POSTGRESQL else ["sqlite"]
# pytest-xdist names its workers gw0, gw1, ...; empty when the suite runs in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@contextmanager
def postgresql_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``<test database>_<name>`` (dropped first if a crashed run left it, and
    dropped afterwards); yields its URL."""
    base = make_url(TEST_DATABASE_URL)
    database = f"{base.database}_{name}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database(engine: str, directory: Path, name: str, migrate: bool = True) -> Iterator[str]:
    """A new, empty (or migrated) database of ``engine`` ("sqlite" or "postgresql"), dropped afterwards; yields
    its URL. PostgreSQL ones are skipped when TEST_DATABASE_URL is not a PostgreSQL database."""
    if engine == "sqlite":
        url = f"sqlite:///{directory / f'{name}.sqlite3'}"
        if migrate:
            upgrade_database(url)
        yield url
        return
    if not ON_POSTGRESQL:
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL database")
    with postgresql_database(f"{WORKER}_{name}" if WORKER else name) as url:
        if migrate:
            upgrade_database(url)
        yield url


@contextmanager
def scratch_engine(name: str, directory: Path) -> Iterator[Engine]:
    """An engine on a migrated scratch database of the kind the suite runs on."""
    with scratch_database(SUITE_ENGINE, directory, name) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
