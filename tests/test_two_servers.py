"""Two app servers (gunicorn, on two ports) behind one database and one Redis, with one SECRET_KEY, serve the same
users as one: a rate limit counts the hits on both, a session signed in on one is good on the other, and
signing out on one ends it on both. The browser is a cookie jar that talks to either server, as it would to a
load balancer in front of them."""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from service import PROJECT_DIR
from service.infrastructure.counters import window_start
from service.models import Role
from service.operations import accounts
from service.store.db import make_engine
from tests import factories
from tests.shared_services import REDIS_URL
from tests.smtp_sink import free_port
from tests.suite import CSRF_PATTERN, Sessions
from tests.test_jobs import scratch_desk, wait_for

SECRET_KEY = "two-servers-share-this-secret-key-of-48-characters"


@dataclass(frozen=True)
class Desk:
    servers: tuple[str, str]  # base URLs
    email: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


class Browser:
    """One person's browser: its cookies go to whichever server it asks. ``client`` is the address the proxy in
    front of the servers reports (X-Forwarded-For)."""

    def __init__(self, client: str) -> None:
        self.client = client
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """The status, the Location header and the page of a GET (or, with ``form``, a POST)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"X-Forwarded-For": self.client, "Accept-Language": "en"}
        asked = urllib.request.Request(url, data=data, headers=headers)
        try:
            with self.opener.open(asked, timeout=30) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode()

    def post(self, server: str, path: str, form: dict[str, str], token_from: str = "/login") -> tuple[int, str]:
        """Fill in the form of ``token_from`` on ``server`` and send it to ``path``: the status and Location."""
        _, _, page = self.request(server + token_from)
        match = CSRF_PATTERN.search(page)
        assert match, f"no form on {token_from}"
        status, location, _ = self.request(server + path, {"csrf_token": match.group(1), **form})
        return status, location

    def sign_in(self, server: str, email: str, password: str = factories.PASSWORD) -> bool:
        status, location = self.post(server, "/login", {"email": email, "password": password})
        return status == 302 and not urllib.parse.urlsplit(location).path.startswith("/login")

    def signed_in_on(self, server: str) -> bool:
        status, _, _ = self.request(server + "/portal/")
        return status == 200  # else a redirect to the sign-in page


def _gunicorn(port: int, environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # gunicorn.conf.py (read from the project folder) names the app: the factory, built in the worker.
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=output, stderr=output)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture()
def desk(tmp_path: Path, redis_prefix: str) -> Iterator[Desk]:
    with scratch_desk(tmp_path) as database_url:
        engine = make_engine(database_url)
        with Sessions(bind=engine) as session:
            email = factories.user(session, Role.ENTERPRISE).email
        engine.dispose()
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("REDIS_", "S3_"))}
        environment.update(
            APP_ENV="development",
            SECRET_KEY=SECRET_KEY,
            DATABASE_URL=database_url,
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=redis_prefix,
            PROXY_COUNT="1",
            UPLOAD_FOLDER=str(tmp_path / "uploads"),
            MAIL_FOLDER=str(tmp_path / "mail"),
            JOBS_FILE=str(tmp_path / "jobs.sqlite3"),
            PASSWORD_TIME_COST="1",
            PASSWORD_MEMORY_COST="1024",
        )
        ports = free_port(), free_port()
        processes = [_gunicorn(port, environment, tmp_path / f"server-{port}.log") for port in ports]
        servers = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
        try:
            for server, process in zip(servers, processes, strict=True):
                wait_for(lambda s=server, p=process: _answers(s) or p.poll() is not None, 120, f"{server} to answer")
                assert process.poll() is None, (tmp_path / f"server-{server.rsplit(':', 1)[1]}.log").read_text()
            yield Desk(servers, email)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def test_failed_sign_ins_on_both_servers_add_up_to_the_address_lockout(desk: Desk, redis_prefix: str) -> None:
    a, b = desk.servers
    guesser = Browser(client="203.0.113.77")
    # The count is kept per fixed 15-minute window: a run that a window's end cuts in two is run again whole.
    for _run in range(2):
        window = window_start(datetime.now(UTC), accounts.ADDRESS_WINDOW_SECONDS)
        guesses = [
            guesser.sign_in((a, b)[n % 2], f"guess{n}@example.cn", "Wrong-Password-1")
            for n in range(accounts.ADDRESS_MAX_FAILURES)
        ]
        # Neither server has seen 30 failures by itself: together they have.
        after = [guesser.sign_in(a, desk.email), guesser.sign_in(b, desk.email)]
        if window_start(datetime.now(UTC), accounts.ADDRESS_WINDOW_SECONDS) == window:
            break
    assert not any(guesses)
    assert after == [False, False]
    assert Browser(client="203.0.113.78").sign_in(b, desk.email)
    key = f"{redis_prefix}rate:signin-ip:203.0.113.77:{int(window.timestamp())}"
    assert int(redis.Redis.from_url(REDIS_URL).get(key) or 0) == accounts.ADDRESS_MAX_FAILURES + 2


def test_a_session_signed_in_on_one_server_holds_on_the_other_and_signing_out_ends_it_on_both(desk: Desk) -> None:
    a, b = desk.servers
    office, laptop = Browser(client="198.51.100.20"), Browser(client="198.51.100.21")
    assert not office.signed_in_on(b)
    assert office.sign_in(a, desk.email)
    status, _, page = office.request(b + "/portal/")
    assert status == 200 and "My requests" in page
    assert laptop.sign_in(b, desk.email) and laptop.signed_in_on(a)

    # Signing out on A ends every session of the user: the laptop's too, on B.
    status, location = office.post(a, "/logout", {}, token_from="/portal/")
    assert status == 302 and location.endswith("/login")
    assert not laptop.signed_in_on(b) and not laptop.signed_in_on(a) and not office.signed_in_on(b)
