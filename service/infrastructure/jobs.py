"""The job queue (Huey): Redis when a URL is given, else a SQLite file; immediate (run at the call) for tests.

The queue keeps what is enqueued until a consumer takes it: a job enqueued while no consumer runs, or while one
is killed, waits for the next. A consumer takes a job off the queue as it starts it, so a job running when its
consumer is killed is not run again: the desk's jobs are periodic and idempotent (service/jobs.py), and the next
run does what the killed one left.
"""

from __future__ import annotations

from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

QUEUE_NAME = "desk"


def job_queue(*, redis_url: str | None, sqlite_file: str, immediate: bool = False, name: str = QUEUE_NAME) -> Huey:
    """The queue on Redis (``redis_url``) or in ``sqlite_file``; ``immediate`` runs each job where it is enqueued,
    in memory, with no consumer. ``name`` keeps the Redis keys of two queues on one server apart."""
    if immediate:
        return Huey(name, immediate=True, utc=True)
    if redis_url:
        return RedisHuey(name, url=redis_url, utc=True)
    Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=sqlite_file, utc=True)
