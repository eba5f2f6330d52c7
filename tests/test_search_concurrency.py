"""Concurrent submissions commit for real: none fails ("database is locked" on SQLite), each is numbered and indexed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from service.demo import seed
from service.models import Enterprise, EnterpriseSize, Role, ServiceRequest, Station, User
from service.operations.requests import submit_request
from service.queries.search import search_requests
from service.rules.credit_code import complete
from tests.conftest import Sessions, suite_settings
from tests.request_helpers import draft
from tests.scratch import scratch_database

THREADS, EACH = 6, 8
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def test_parallel_submissions_all_commit_and_are_searchable(tmp_path: Path) -> None:
    with scratch_database("concurrency", tmp_path) as engine:
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
            with session.begin():
                station = session.scalars(select(Station).where(Station.code == "JL-CCND")).one()
                stem = "91220101MA17CX0W"
                enterprise = Enterprise(
                    name="并发测试企业",
                    credit_code=complete(stem),
                    city="长春市",
                    station=station,
                    size=EnterpriseSize.SMALL,
                )
                users = [
                    User(
                        email=f"c{n}@example.cn",
                        name=f"用户{n}",
                        role=Role.ENTERPRISE,
                        password_hash="x",
                        enterprise=enterprise,
                    )
                    for n in range(THREADS)
                ]
                session.add_all(users)
            user_ids = [u.id for u in users]
        settings = suite_settings(upload_folder=str(tmp_path / "uploads")).desk

        def submit_all(user_id: int) -> list[str]:
            with Sessions(bind=engine, expire_on_commit=False) as session:
                user = session.get(User, user_id)
                return [
                    submit_request(
                        session,
                        user,
                        draft(title=f"并发注册申报 {user_id}-{n}"),  # type: ignore[arg-type]
                        settings=settings,
                        now=NOW,
                    ).reference
                    for n in range(EACH)
                ]

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            references = [ref for refs in pool.map(submit_all, user_ids) for ref in refs]

        assert len(references) == len(set(references)) == THREADS * EACH
        with Sessions(bind=engine) as session:
            assert session.scalar(select(func.count()).select_from(ServiceRequest)) == THREADS * EACH
            table = "search_index" if engine.dialect.name == "sqlite" else "search_documents"
            assert session.scalar(text(f"SELECT count(*) FROM {table}")) == THREADS * EACH
            reader = session.get(User, user_ids[0])
            assert search_requests(session, reader, "并发").total == THREADS * EACH  # type: ignore[arg-type]
