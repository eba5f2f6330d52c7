"""Background jobs (service/jobs.py): the SLA sweep as a job, run at once in tests, every minute by a real consumer
(`flask --app app jobs`) with no page viewed, kept in its queue across a killed consumer, and queued in Redis."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from service import PROJECT_DIR, jobs
from service.demo import seed
from service.infrastructure.jobs import job_queue
from service.models import Event, EventKind, ServiceRequest
from service.store.db import make_engine
from service.store.settings import DeskSettings
from tests import factories
from tests.request_helpers import submit
from tests.scratch import SUITE_ENGINE, scratch_database
from tests.suite import Sessions, joined_session

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of the tests' own on the local server
# The consumer runs its periodic jobs as it starts, then every 60 s; a sweep takes a moment.
PERIODIC_WAIT_SECONDS = 90
# Enough overdue requests that the sweep is still at work when its consumer is killed (it commits 200 at a time).
KILLED_SWEEP_REQUESTS = 600


def breaches(session: Session, request_id: int) -> list[str]:
    kinds = select(Event.data).where(Event.request_id == request_id, Event.kind == EventKind.SLA_BREACHED)
    return sorted(data["target"] for data in session.scalars(kinds))


def test_the_sweep_job_runs_where_it_is_enqueued_in_tests(app, client, session, people, app_settings) -> None:
    overdue = submit(session, people, app_settings)  # due long ago (March 2026)
    app.extensions["jobs"].sla_sweep()
    session.refresh(overdue)
    assert overdue.escalated and overdue.first_response_breached
    assert breaches(session, overdue.id) == ["first_response", "resolution"]


def test_the_sweep_job_queues_in_redis(connection: Connection, session, people, settings: DeskSettings) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    # A queue name of this run's own: its keys never meet another run's or production's.
    queue = job_queue(redis_url=REDIS_URL, sqlite_file="", name=f"desk-test-{uuid.uuid4().hex}")
    desk_jobs = jobs.register(queue, lambda: joined_session(connection), settings)
    overdue = submit(session, people, settings)
    try:
        desk_jobs.sla_sweep()
        assert queue.pending_count() == 1
        session.refresh(overdue)
        assert not overdue.escalated  # only enqueued
        task = queue.dequeue()
        assert task is not None
        queue.execute(task)
        session.refresh(overdue)
        assert overdue.escalated and queue.pending_count() == 0
    finally:
        queue.flush()


# --- a real consumer in a process of its own, on a scratch database and a SQLite queue ------------------------


@contextmanager
def scratch_desk(directory: Path) -> Iterator[str]:
    """A migrated scratch database with the reference data (stations, service targets, calendar): its URL."""
    with scratch_database(SUITE_ENGINE, directory, "desk") as url:
        engine = make_engine(url)
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
        engine.dispose()
        yield url


def overdue_requests(database_url: str, settings: DeskSettings, count: int) -> list[int]:
    """Requests submitted in March 2026, long overdue: their ids."""
    engine = make_engine(database_url)
    with Sessions(bind=engine) as session:
        people = factories.people(session)
        ids = [submit(session, people, settings).id for _ in range(count)]
    engine.dispose()
    return ids


def overdue_request(database_url: str, settings: DeskSettings) -> int:
    [request_id] = overdue_requests(database_url, settings, 1)
    return request_id


@contextmanager
def consumer(database_url: str, jobs_file: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`flask --app app jobs` running against ``database_url`` with its queue in ``jobs_file``, once started."""
    process = flask(["jobs", "--workers", "1"], database_url, jobs_file, log)
    try:
        wait_for(lambda: "Huey consumer started" in log.read_text(), 30, f"the consumer to start ({log})")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


def flask(arguments: list[str], database_url: str, jobs_file: Path, log: Path) -> subprocess.Popen[bytes]:
    """`flask --app app <arguments>` in development mode on these files, its output appended to ``log``."""
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(
        APP_ENV="development", DATABASE_URL=database_url, JOBS_FILE=str(jobs_file), UPLOAD_FOLDER=str(log.parent)
    )
    command = [sys.executable, "-m", "flask", "--app", "app", *arguments]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=output, stderr=output)


def wait_for(condition: Callable[[], bool], seconds: float, what: str, every: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(every)


def escalated(database_url: str, request_id: int) -> bool:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return bool(session.get_one(ServiceRequest, request_id).escalated)
    finally:
        engine.dispose()


def breaches_by_request(database_url: str) -> Counter[tuple[int, str]]:
    """How many times each request's each clock was recorded as breached."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            breached = select(Event.request_id, Event.data).where(Event.kind == EventKind.SLA_BREACHED)
            return Counter((request_id, data["target"]) for request_id, data in session.execute(breached))
    finally:
        engine.dispose()


def breach_counts(database_url: str, request_id: int) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return breaches(session, request_id)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_running_consumer_sweeps_every_minute_without_a_page_view(tmp_path: Path, settings) -> None:
    log = tmp_path / "consumer.log"
    with scratch_desk(tmp_path) as url, consumer(url, tmp_path / "jobs.sqlite3", log):
        wait_for(lambda: "SLA sweep:" in log.read_text(), 30, "the sweep the consumer runs as it starts")
        # Overdue after that sweep: only the next minute's finds it.
        request_id = overdue_request(url, settings)
        wait_for(lambda: escalated(url, request_id), PERIODIC_WAIT_SECONDS, "the next minute's SLA sweep")
        assert breach_counts(url, request_id) == ["first_response", "resolution"]
    assert "SLA sweep: first-response breaches: 1" in log.read_text()


@pytest.mark.slow
def test_a_job_enqueued_while_the_consumer_is_killed_runs_once_after_its_restart(tmp_path: Path, settings) -> None:
    jobs_file, log = tmp_path / "jobs.sqlite3", tmp_path / "consumer.log"
    # The web side's handle on the same queue: what it enqueues is a row of the SQLite file.
    queue = job_queue(redis_url=None, sqlite_file=str(jobs_file))
    with scratch_desk(tmp_path) as url:
        with consumer(url, jobs_file, log) as process:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        # Overdue only now, so that the killed consumer's own sweep (on starting) cannot have handled it.
        request_id = overdue_request(url, settings)
        # The killed consumer may have left periodic runs of its own in the queue (the sweep's, the mail's).
        left = queue.pending_count()
        engine = make_engine(url)
        jobs.register(queue, lambda: Session(engine), settings).sla_sweep()
        engine.dispose()
        assert queue.pending_count() == left + 1 and not escalated(url, request_id)
        with consumer(url, jobs_file, log):
            wait_for(lambda: queue.pending_count() == 0, 30, "the restarted consumer to take the job")
            wait_for(lambda: escalated(url, request_id), 30, "the enqueued SLA sweep")
        # Recorded once, though the restarted consumer swept twice: the enqueued job and its periodic one.
        assert breach_counts(url, request_id) == ["first_response", "resolution"]


@pytest.mark.slow
def test_a_sweep_killed_mid_run_is_finished_by_the_restarted_consumer_once(tmp_path: Path, settings) -> None:
    jobs_file, log = tmp_path / "jobs.sqlite3", tmp_path / "consumer.log"
    with scratch_desk(tmp_path) as url:
        request_ids = overdue_requests(url, settings, KILLED_SWEEP_REQUESTS)
        with consumer(url, jobs_file, log) as process:
            wait_for(lambda: bool(breaches_by_request(url)), 30, "the sweep's first batch", every=0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        half_done = len(breaches_by_request(url))
        # The killed run's job is gone from the queue; the restarted consumer's own sweep does the rest.
        with consumer(url, jobs_file, log):
            wait_for(lambda: "SLA sweep:" in log.read_text(), 60, "a whole sweep (the killed one never finished)")
        every_clock = {(i, target) for i in request_ids for target in ("first_response", "resolution")}
        breached = breaches_by_request(url)
        assert set(breached) == every_clock and set(breached.values()) == {1}
        assert 0 < half_done < len(every_clock), f"killed with {half_done} of {len(every_clock)} breaches recorded"


@pytest.mark.slow
def test_the_quickstart_runs_a_consumer_and_stops_it_with_its_server(tmp_path: Path) -> None:
    log = tmp_path / "quickstart.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    quickstart = flask(["quickstart", "--port", str(port)], url, tmp_path / "jobs.sqlite3", log)
    try:
        # The consumer's first sweep finds the demo cases' breaches.
        wait_for(lambda: "SLA sweep: first-response breaches:" in log.read_text(), 120, f"the consumer ({log})")
    finally:
        quickstart.terminate()
        quickstart.wait(timeout=30)
    [consumer_pid] = re.findall(r"Huey consumer started with 1 thread, PID (\d+)", log.read_text())
    assert "Consumer exiting." in log.read_text()
    with pytest.raises(ProcessLookupError):
        os.kill(int(consumer_pid), 0)
