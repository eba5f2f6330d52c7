"""Migration 0024 on a database with history: resolutions already given keep their text as the result, in the
category "resolved"; nothing old is reminded, counted as reminded or redone; stations do not review results."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text

from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.models import ServiceRequest
from service.store.db import make_engine
from service.web.cli import alembic_config
from tests.conftest import Sessions, suite_settings
from tests.test_migrations import empty_database  # noqa: F401 - fixture


def test_migration_0024_keeps_earlier_resolutions_as_results(empty_database: str, tmp_path: Path) -> None:  # noqa: F811
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    engine = make_engine(empty_database)
    try:
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
            seed.seed_demo_accounts(session)
            seed_demo_requests(session, suite_settings(upload_folder=str(tmp_path / "uploads")).desk)
            session.commit()
            resolved = session.scalar(select(func.count()).where(ServiceRequest.resolution_summary.is_not(None)))
        assert resolved
        command.downgrade(config, "0023")
        with engine.connect() as conn:
            columns = set(conn.execute(text("SELECT * FROM requests LIMIT 0")).keys())
            assert "result_category" not in columns and "reminder_count" not in columns
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT result_category, resolution_summary IS NOT NULL, reminder_count, redo_count,"
                    " resolution_remind_at FROM requests"
                )
            ).all()
            assert {(category, summary) for category, summary, *_ in rows} <= {("resolved", True), (None, False)}
            assert sum(1 for category, *_ in rows if category == "resolved") == resolved
            assert {(reminders, redos, remind) for *_, reminders, redos, remind in rows} == {(0, 0, None)}
            assert not conn.scalar(text("SELECT count(*) FROM stations WHERE review_closures"))
    finally:
        engine.dispose()
