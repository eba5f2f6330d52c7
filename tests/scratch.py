"""A scratch database for tests whose code commits for real (bulk loads, several threads): never the suite's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from service.store.db import make_engine
from service.web.cli import upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@contextmanager
def scratch_database(suffix: str, directory: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file in ``directory``, or ``<test database>_<suffix>`` on PostgreSQL."""
    admin = None
    if TEST_DATABASE_URL.startswith("postgresql"):
        url = make_url(TEST_DATABASE_URL)
        name = f"{url.database}_{suffix}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = f"sqlite:///{directory / (suffix + '.sqlite3')}"
    upgrade_database(target)
    engine = make_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
