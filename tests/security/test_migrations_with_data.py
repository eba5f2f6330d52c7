"""Every migration goes down and up again with rows in every table, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text

from config import load_settings
from service.models.base import Base
from service.store.db import make_engine
from service.web.cli import alembic_config
from tests.scratch import ENGINES, scratch_database
from tests.security.rows import WHEN, fill_every_table

pytestmark = pytest.mark.slow  # migrates filled databases of their own

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


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
        return {
            name: conn.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


@pytest.mark.parametrize("engine_name", ENGINES)
def test_totp_secrets_stored_in_the_clear_are_encrypted_by_the_upgrade(engine_name: str, tmp_path: Path) -> None:
    with scratch_database(engine_name, tmp_path, "migr_totp", migrate=False) as url:
        config = alembic_config(url)
        command.upgrade(config, "0019")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (email, name, phone, role, active, password_hash, session_token, "
                        "failed_logins, must_change_password, totp_secret, created_at) VALUES "
                        "('staff@example.cn', 'Staff', '', 'staff', :yes, 'x', 'token', 0, :no, :secret, :now)"
                    ),
                    {"yes": True, "no": False, "secret": SECRET, "now": WHEN},
                )
            command.upgrade(config, "head")
            with engine.connect() as conn:
                stored = conn.scalar(text("SELECT totp_secret FROM users"))
            assert stored != SECRET and SECRET not in stored
            assert load_settings().totp_cipher().decrypt(stored.encode()).decode() == SECRET

            command.downgrade(config, "0019")
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT totp_secret FROM users")) == SECRET
        finally:
            engine.dispose()
