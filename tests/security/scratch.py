"""Scratch databases for tests that need real commits, several connections or a whole schema of their own:
a temporary SQLite file, and a throw-away PostgreSQL database beside TEST_DATABASE_URL's when that is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from service.web.cli import upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite", "postgresql"] if TEST_DATABASE_URL.startswith("postgresql") else ["sqlite"]


@contextmanager
def scratch_database(engine: str, tmp_path: Path, name: str, migrate: bool = True) -> Iterator[str]:
    """A new, empty (or migrated) database of ``engine``, dropped afterwards; yields its URL."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        if migrate:
            upgrade_database(url)
        yield url
        return
    if not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL database")
    base = make_url(TEST_DATABASE_URL)
    scratch = f"{base.database}_{name}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        url = base.set(database=scratch).render_as_string(hide_password=False)
        if migrate:
            upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()
