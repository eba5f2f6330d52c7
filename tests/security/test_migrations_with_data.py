"""Every migration goes down and up again with rows in every table, on both engines."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select

from service.db import Base, make_engine
from service.web.cli import alembic_config
from tests.security.rows import fill_every_table
from tests.security.scratch import ENGINES, scratch_database


@pytest.mark.parametrize("engine_name", ENGINES)
def test_downgrade_to_base_and_upgrade_again_with_data_in_every_table(engine_name: str, tmp_path: Path) -> None:
    with scratch_database(engine_name, tmp_path, "migr_data") as url:
        engine = make_engine(url)
        try:
            # Some tables hold a row from the migrations themselves (the service times' revision).
            before = _counts(engine)
            with engine.begin() as conn:
                added = fill_every_table(conn)
            after = _counts(engine)
            assert {name: after[name] - before[name] for name in added} == added, "every table took its rows"

            config = alembic_config(url)
            command.downgrade(config, "base")
            with engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            command.upgrade(config, "head")
            with engine.begin() as conn:
                assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
                assert fill_every_table(conn) == added, "the schema takes the same rows again"
        finally:
            engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table)) or 0
                for name, table in Base.metadata.tables.items()}
