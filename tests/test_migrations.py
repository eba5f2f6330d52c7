"""The migrations build exactly the models' schema on an empty database, and take it down again.

Runs on a fresh SQLite file, and also on a scratch PostgreSQL database when
TEST_DATABASE_URL points at PostgreSQL (the suite's own database is left alone).
"""

from __future__ import annotations

import pprint
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

import service.models  # noqa: F401 - registers every table on the metadata
from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.infrastructure.search_index import include_object, is_search_structure
from service.models import ServiceRequest, User
from service.models.base import Base
from service.queries.search import search_requests
from service.store.db import make_engine
from service.web.cli import alembic_config
from tests.scratch import ENGINES, scratch_database
from tests.suite import Sessions, suite_settings


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with scratch_database(request.param, tmp_path, "migr", migrate=False) as url:
        yield url


def _differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # Ignored, and only these: the full-text search structures (an FTS5 virtual table
            # with its shadow tables on SQLite, a tsvector table on PostgreSQL) are written
            # in raw SQL by migration 0005 because no model can describe them. The test
            # below still checks that they are created and that downgrade removes them.
            options = {"compare_type": True, "include_object": include_object}
            context = MigrationContext.configure(conn, opts=options)
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema_and_tear_it_down(empty_database: str) -> None:
    config = alembic_config(empty_database)

    command.upgrade(config, "head")
    differences = _differences(empty_database)
    assert differences == [], "migrated schema differs from the models:\n" + pprint.pformat(differences)
    assert set(Base.metadata.tables) <= _tables(empty_database)
    assert any(is_search_structure(name) for name in _tables(empty_database)), "no full-text search table"

    command.downgrade(config, "base")
    assert _tables(empty_database) == {"alembic_version"}

    command.upgrade(config, "head")
    assert _differences(empty_database) == []


def test_sqlites_full_text_index_merges_sixteen_segments_at_a_time_in_small_steps(tmp_path: Path) -> None:
    """A whole level merged inside one write stays a backstop (64 segments, four times automerge, as in FTS5's
    own defaults): at 16 and 16, one write after a large load rewrote the whole index under the write lock."""
    url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            settings = dict(
                conn.execute(text("SELECT k, v FROM search_index_config WHERE k IN ('automerge', 'crisismerge')")).all()
            )
    finally:
        engine.dispose()
    assert settings == {"automerge": 16, "crisismerge": 64}


def test_migration_0022_adds_the_enterprise_and_product_to_the_documents_already_indexed(
    empty_database: str, tmp_path: Path
) -> None:
    """Down to 0021 the documents lose the new parts and keep the rest; up again, a request written before is
    found by its enterprise's name, credit code and product as one written after."""
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    engine = make_engine(empty_database)
    typed = ("博识医疗", "91220101MA17CX0Y9H", "影像", "注册", "临床")
    settings = suite_settings(upload_folder=str(tmp_path / "uploads")).desk

    def found() -> dict[str, set[int]]:
        with Sessions(bind=engine) as session:
            staff = session.scalars(select(User).where(User.email == "ccnd.staff@demo.jl.gov.cn")).one()
            return {words: {hit.request.id for hit in search_requests(session, staff, words).hits} for words in typed}

    try:
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
            seed.seed_demo_accounts(session)
            seed_demo_requests(session, settings)
            session.commit()
            requests = session.scalar(select(func.count()).select_from(ServiceRequest))
        before = found()
        assert all(before.values()), before
        command.downgrade(config, "0021")
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(search_index)")]
                assert columns == ["title_terms", "public_terms", "internal_terms", "scope_terms"]
                assert conn.scalar(text("SELECT count(*) FROM search_index")) == requests
            else:
                assert (
                    conn.scalar(
                        text("SELECT count(*) FROM search_documents WHERE document @@ CAST(:q AS tsquery)"),
                        {"q": "'e:博识' | 'd:影像'"},
                    )
                    == 0
                )
                assert conn.scalar(text("SELECT count(*) FROM search_documents")) == requests
        command.upgrade(config, "head")
        assert found() == before
    finally:
        engine.dispose()


@pytest.mark.slow
def test_quickstart_prepares_an_empty_database_and_can_run_again(tmp_path: Path) -> None:
    """README's first command, without serving: migrate, seed, print the sign-ins; twice."""
    from app import create_app

    app = create_app(
        suite_settings(
            database_url=f"sqlite:///{tmp_path / 'instance' / 'desk.sqlite3'}", upload_folder=str(tmp_path / "uploads")
        )
    )
    try:
        outputs = []
        for _ in range(2):
            # The `flask` command pushes an app context for every command; the test runner does not.
            with app.app_context():
                outputs.append(app.test_cli_runner().invoke(args=["quickstart", "--no-serve"]))
        for result in outputs:
            assert result.exit_code == 0, result.output
            assert "http://127.0.0.1:5000/login" in result.output
            assert "admin@demo.jl.gov.cn" in result.output and "Demo-Desk-2026" in result.output
            # No SMTP server in the quickstart: it says where the mail goes instead.
            assert f".eml file into {app.extensions['settings'].mail_folder}" in result.output
        with app.extensions["db_engine"].connect() as conn:
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("stations", "users", "enterprises")
            ]
        assert counts == [7, 11, 3]  # ten demo accounts and a colleague of 博识
    finally:
        app.extensions["db_engine"].dispose()


# -- migration 0025 on a database with history


def test_migration_0025_keeps_earlier_resolutions_as_results(empty_database: str, tmp_path: Path) -> None:
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
        command.downgrade(config, "0024")
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
