"""Migration 0031 on existing data: the earliest active contact of each enterprise becomes its administrator."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from service.store.db import make_engine
from service.web.cli import alembic_config
from tests.scratch import ENGINES, scratch_database
from tests.security.rows import WHEN

USER = (
    "INSERT INTO users (id, email, name, phone, role, active, password_hash, session_token, failed_logins, "
    "must_change_password, enterprise_id, created_at) VALUES (:id, :email, 'n', '', :role, :active, 'x', :token, 0, "
    ":no, :enterprise, :now)"
)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_earliest_active_contact_of_each_enterprise_becomes_its_administrator(
    engine_name: str, tmp_path: Path
) -> None:
    with scratch_database(engine_name, tmp_path, "migr_colleagues", migrate=False) as url:
        config = alembic_config(url)
        command.upgrade(config, "0029")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO stations (id, code, name_zh, name_en, region, is_hub, active, review_closures) "
                        "VALUES (1, 'X', '站', 'Station', '', :no, :yes, :no)"
                    ),
                    {"yes": True, "no": False},
                )
                for enterprise_id in (1, 2):
                    conn.execute(
                        text(
                            "INSERT INTO enterprises (id, name, credit_code, city, station_id, size, product_areas, "
                            "verified, created_at) VALUES (:id, 'e', :code, 'c', 1, 'small', '[]', :no, :now)"
                        ),
                        {"id": enterprise_id, "code": f"CODE{enterprise_id}", "no": False, "now": WHEN},
                    )
                people = [
                    (1, "enterprise", False, 1),  # left before the migration: not its administrator
                    (2, "enterprise", True, 1),
                    (3, "enterprise", True, 1),
                    (4, "enterprise", True, 2),
                    (5, "staff", True, None),
                ]
                for user_id, role, active, enterprise in people:
                    conn.execute(
                        text(USER),
                        {
                            "id": user_id,
                            "email": f"u{user_id}@example.cn",
                            "role": role,
                            "active": active,
                            "token": f"t{user_id}",
                            "no": False,
                            "enterprise": enterprise,
                            "now": WHEN,
                        },
                    )
            command.upgrade(config, "head")
            with engine.connect() as conn:
                roles = dict(conn.execute(text("SELECT id, enterprise_role FROM users ORDER BY id")).all())
            assert roles == {1: "member", 2: "administrator", 3: "member", 4: "administrator", 5: None}
        finally:
            engine.dispose()
