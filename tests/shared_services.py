"""The services that several app servers share, for the tests of more than one machine: the local Redis (each
test under a key prefix of its own, so pytest-xdist's workers never touch each other's keys) and an S3-compatible
object store (moto's server, in this process, on a free port)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from moto.server import ThreadedMotoServer

from tests.scratch import WORKER
from tests.smtp_sink import free_port

# A database of the tests' own on the local server (.ci/run starts it when it is not running).
REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_unreachable() -> str | None:
    """Why the local Redis cannot be used, or None when it answers."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"no Redis at {REDIS_URL} ({error}); .ci/run starts one"
    return None


@contextmanager
def redis_key_prefix() -> Iterator[str]:
    """A key prefix no other test, worker or run uses; its keys are deleted afterwards."""
    prefix = f"desk-test-{WORKER or 'solo'}-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@contextmanager
def object_storage() -> Iterator[str]:
    """moto's S3 server on a free local port: its endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
