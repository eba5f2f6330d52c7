"""Real concurrency on a SQLite file and (with TEST_DATABASE_URL) PostgreSQL: threads with their own
sessions racing on the same rows, a sweep racing a sweep, and a worker killed in mid-submission.

Each engine gets one scratch database for the module; every test makes its own enterprise and users.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.demo import seed
from service.errors import Conflict
from service.infrastructure.counters import counters_of
from service.models import (
    Category,
    Event,
    EventKind,
    LifecycleStage,
    Message,
    Priority,
    ReferenceCounter,
    Role,
    ServiceRequest,
    Station,
    User,
)
from service.models.base import utcnow
from service.operations import accounts, requests, sla
from service.store.db import make_engine
from service.store.settings import DeskSettings
from tests import factories
from tests.scratch import ENGINES, scratch_database
from tests.suite import Sessions, suite_settings

POOL = 13  # per engine: 26 connections at most, well inside PostgreSQL's default of 100


@dataclass
class Db:
    url: str
    engine: Engine
    settings: DeskSettings

    def run(self, work: Callable[[Session], Any]) -> Any:
        with Sessions(bind=self.engine, expire_on_commit=False) as session:
            return work(session)


@pytest.fixture(scope="module", params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    tmp = tmp_path_factory.mktemp(f"concurrency-{request.param}")
    with scratch_database(request.param, tmp, "concurrency") as url:
        engine = make_engine(url, pool_size=POOL)
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
        yield Db(url, engine, suite_settings(upload_folder=str(tmp / "uploads")).desk)
        engine.dispose()


@dataclass
class Cast:
    enterprise_user: int
    hub_staff: int
    staff: int


@pytest.fixture()
def cast(db: Db) -> Cast:
    def make(session: Session) -> Cast:
        return Cast(
            factories.user(session, Role.ENTERPRISE).id,
            factories.user(session, Role.STAFF, "JL-HUB").id,
            factories.user(session, Role.STAFF).id,
        )

    return db.run(make)


def draft(title: str, key: str | None = None) -> requests.RequestDraft:
    return requests.RequestDraft(
        title=title,
        description=f"{title} 的说明",
        category=Category.POLICY,
        lifecycle_stage=LifecycleStage.RESEARCH,
        idempotency_key=key,
    )


def submit(db: Db, user_id: int, title: str, key: str | None = None) -> ServiceRequest:
    return db.run(lambda s: requests.submit_request(s, s.get(User, user_id), draft(title, key), settings=db.settings))


def at_once(count: int, work: Callable[[int, Session], Any], db: Db) -> list[Any]:
    """Run ``work`` in ``count`` threads released together, each with its own session; returns results or errors."""
    barrier, results = threading.Barrier(count), [None] * count

    def worker(index: int) -> None:
        with Sessions(bind=db.engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[index] = work(index, session)
            except Exception as error:  # noqa: BLE001 - the test inspects every outcome
                results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_fifty_conflicting_edits_give_one_success_and_forty_nine_conflicts(db: Db, cast: Cast) -> None:
    created = submit(db, cast.enterprise_user, "五十人同时分诊")

    def triage(index: int, session: Session) -> object:
        return requests.triage_request(
            session,
            session.get(User, cast.hub_staff),
            created.id,
            created.version,
            category=Category.POLICY,
            priority=list(Priority)[index % 4],
            lifecycle_stage=LifecycleStage.RESEARCH,
            assignee_id=None,
            settings=db.settings,
        )

    outcomes = Counter(type(r).__name__ for r in at_once(50, triage, db))
    assert outcomes == {"ServiceRequest": 1, "StaleVersion": 49}

    def check(session: Session) -> None:
        final = session.get(ServiceRequest, created.id)
        triaged = session.scalars(
            select(Event).where(Event.request_id == created.id, Event.kind == EventKind.TRIAGED)
        ).all()
        assert final is not None and final.version > created.version
        assert len(triaged) == 1 and triaged[0].data["priority"] == final.priority

    db.run(check)


def test_mixed_edits_of_the_same_requests_lose_nothing_and_match_the_timeline(db: Db, cast: Cast) -> None:
    targets = [submit(db, cast.enterprise_user, f"混合并发 {n}").id for n in range(3)]
    stations = db.run(
        lambda s: {c: s.scalar(select(Station.id).where(Station.code == c)) for c in ("JL-CCND", "JL-TH")}
    )

    def work(index: int, session: Session) -> tuple[str, int] | None:
        request_id, actor = targets[index % 3], session.get(User, cast.hub_staff)
        kind = ("reply", "triage", "transfer")[(index // 3) % 3]
        for _ in range(20):  # a person who lost the race reloads and tries again
            current = session.get(ServiceRequest, request_id)
            assert current is not None
            version, station_id = current.version, current.station_id
            session.rollback()
            try:
                if kind == "reply":
                    requests.add_message(session, actor, request_id, f"答复 {index}", settings=db.settings)
                elif kind == "triage":
                    requests.triage_request(
                        session,
                        actor,
                        request_id,
                        version,
                        category=Category.POLICY,
                        priority=list(Priority)[index % 4],
                        lifecycle_stage=LifecycleStage.RESEARCH,
                        assignee_id=None,
                        settings=db.settings,
                    )
                else:
                    other = stations["JL-TH"] if station_id == stations["JL-CCND"] else stations["JL-CCND"]
                    requests.transfer_request(
                        session, actor, request_id, version, other, f"转办 {index}", settings=db.settings
                    )
                return kind, request_id
            except Conflict:
                continue
        return None

    results = at_once(30, work, db)
    assert all(isinstance(r, tuple) for r in results), "\n".join(str(r) for r in results if not isinstance(r, tuple))
    done = Counter(results)

    def check(session: Session) -> None:
        for request_id in targets:
            final = session.get(ServiceRequest, request_id)
            events = session.scalars(select(Event).where(Event.request_id == request_id).order_by(Event.id)).all()
            bodies = session.scalars(select(Message.body).where(Message.request_id == request_id)).all()
            assert len(bodies) == done[("reply", request_id)]
            assert sum(e.kind == EventKind.REPLY for e in events) == len(bodies)
            transfers = [e for e in events if e.kind == EventKind.TRANSFERRED]
            assert len(transfers) == done[("transfer", request_id)]
            assert final is not None and final.station_id == (
                transfers[-1].data["to_station"] if transfers else stations["JL-CCND"]
            )
            triages = [e for e in events if e.kind == EventKind.TRIAGED]
            assert len(triages) == done[("triage", request_id)] > 0
            assert final.priority == triages[-1].data["priority"]

    db.run(check)


def test_simultaneous_submissions_get_distinct_gap_free_references(db: Db, cast: Cast) -> None:
    before = db.run(lambda s: s.scalar(select(func.max(ReferenceCounter.last_value))) or 0)
    results = at_once(
        20,
        lambda i, s: requests.submit_request(
            s, s.get(User, cast.enterprise_user), draft(f"编号并发 {i}"), settings=db.settings
        ),
        db,
    )
    sequences = sorted(r.sequence for r in results)
    assert sequences == list(range(before + 1, before + 21))
    assert len({r.reference for r in results}) == 20


def test_one_submission_retried_a_hundred_times_at_once_makes_one_request(db: Db, cast: Cast) -> None:
    results = at_once(
        100,
        lambda i, s: requests.submit_request(
            s, s.get(User, cast.enterprise_user), draft("重复提交", key="retry-key-1"), settings=db.settings
        ),
        db,
    )
    assert {type(r).__name__ for r in results} == {"ServiceRequest"}, [r for r in results if isinstance(r, Exception)]
    assert len({r.id for r in results}) == 1

    def check(session: Session) -> None:
        made = session.scalars(
            select(ServiceRequest).where(
                ServiceRequest.submitter_id == cast.enterprise_user, ServiceRequest.idempotency_key == "retry-key-1"
            )
        ).all()
        created = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.request_id == made[0].id, Event.kind == EventKind.CREATED)
        )
        assert len(made) == 1 and created == 1

    db.run(check)


def test_two_sla_sweeps_at_once_do_the_work_once(db: Db, cast: Cast) -> None:
    overdue = [submit(db, cast.enterprise_user, f"超时 {n}").id for n in range(12)]
    now = utcnow()

    def make_overdue(session: Session) -> None:
        with session.begin():
            session.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id.in_(overdue))
                .values(first_response_due_at=now - timedelta(hours=1), resolution_due_at=now + timedelta(days=30))
            )

    db.run(make_overdue)

    reports = at_once(2, lambda i, s: sla.sweep(s, settings=db.settings, now=now), db)
    assert sum(r.first_response_breaches for r in reports) == len(overdue), reports

    def check(session: Session) -> None:
        breaches = session.scalars(
            select(Event.request_id).where(Event.request_id.in_(overdue), Event.kind == EventKind.SLA_BREACHED)
        ).all()
        assert sorted(breaches) == sorted(overdue), "each overdue request is flagged exactly once"

    db.run(check)


def test_parallel_wrong_passwords_are_all_counted(db: Db, cast: Cast) -> None:
    email = db.run(lambda s: s.get(User, cast.staff).email)
    address = f"198.51.100.{cast.staff % 250}"

    def attempt(index: int, session: Session) -> object:
        return accounts.authenticate(session, email, f"Wrong-Password-{index}", address, max_failures=50)

    results = at_once(20, attempt, db)
    assert all(isinstance(r, accounts.AuthenticationFailed) for r in results)

    def check(session: Session) -> None:
        user = session.get(User, cast.staff)
        assert user is not None and user.failed_logins == 20
        assert counters_of(session).count(f"signin-ip:{address}", accounts.ADDRESS_WINDOW_SECONDS, utcnow()) == 20

    db.run(check)


KILLED_WORKER = """
import sys, time
from sqlalchemy.orm import Session
from config import Settings
from service.store.db import make_engine
from service.models import Category, LifecycleStage, User
from service.operations import notifications, requests
from sqlalchemy.orm import sessionmaker
from service.infrastructure import session_hooks
from service.store.db import make_engine
from service.models import Category, LifecycleStage, User
from service.operations import notifications, requests
from service.store.settings import DeskSettings

def stop_here(*args, **kwargs):
    print("READY", flush=True)  # the request row, its event and its number are written, not committed
    time.sleep(60)

notifications.notify = stop_here
engine = make_engine(sys.argv[1])
sessions = sessionmaker(bind=engine)
session_hooks.register(sessions)  # as the app's workers have them
with sessions() as session:
    requests.submit_request(session, session.get(User, int(sys.argv[2])), requests.RequestDraft(
        title="被杀死的提交", description="never committed", category=Category.POLICY,
        lifecycle_stage=LifecycleStage.RESEARCH), settings=Settings(upload_folder=sys.argv[3]).desk)
"""


def test_a_worker_killed_mid_submission_leaves_no_partial_request(db: Db, cast: Cast, tmp_path: Path) -> None:
    counter_before = db.run(lambda s: s.scalar(select(func.max(ReferenceCounter.last_value))) or 0)
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, db.url, str(cast.enterprise_user), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "READY"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    def check(session: Session) -> None:
        assert (
            session.scalar(
                select(func.count()).select_from(ServiceRequest).where(ServiceRequest.title == "被杀死的提交")
            )
            == 0
        )
        assert (session.scalar(select(func.max(ReferenceCounter.last_value))) or 0) == counter_before

    db.run(check)
    after = submit(db, cast.enterprise_user, "之后的提交")
    assert after.sequence == counter_before + 1, "the killed worker's number was given back"
