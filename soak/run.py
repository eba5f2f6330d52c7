"""Load soak: the app under gunicorn on 127.0.0.1, a bounded mixed load, then a check that nothing was lost.

    python soak/run.py --seconds 60                      # SQLite file in a temporary directory
    python soak/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/desk_soak --seconds 300

Enterprises submit requests and reply to them, staff open their queue and triage or answer,
directors load their dashboard and case list. Desk users sign in with two-step sign-in, as in
production. The run reports throughput and latency percentiles per kind of step, then checks
that every submission and reply that got a success answer is in the database, word for word.
It exits non-zero on any 5xx, transport error or lost or altered data. Traffic goes only to
127.0.0.1; the load is bounded by --seconds and --max-steps, and gunicorn is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import totp_cipher
from service.demo import seed
from service.infrastructure import passwords
from service.models import (
    Category,
    Enterprise,
    EnterpriseSize,
    LifecycleStage,
    Message,
    Priority,
    Role,
    ServiceRequest,
    Station,
    User,
)
from service.operations import two_factor
from service.rules.credit_code import complete
from service.store.db import make_engine, unit_of_work
from service.web.cli import upgrade_database

PASSWORD = "Soak-Load-Pass-2026"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" (?:type="hidden" )?value="([^"]*)"')
VERSION = re.compile(r'name="triage-version" (?:type="hidden" )?value="(\d+)"')
DESK_LINK = re.compile(r'href="/desk/requests/(\d+)"')
PORTAL_LINK = re.compile(r"^/portal/requests/(\d+)$")
# The production server refuses to run without its own key; the desk users' TOTP secrets are stored with it.
TOTP_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS") or Fernet.generate_key().decode()


@dataclass
class Account:
    email: str
    role: Role
    totp_secret: str | None = None


@dataclass
class Tally:
    """What the virtual users saw; shared by all of them under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    submitted: dict[int, tuple[str, str]] = field(default_factory=dict)
    replies: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def steps(self) -> int:
        return sum(len(v) for v in self.latencies.values())


class Browser:
    """One signed-in person: a cookie jar, no automatic redirects, every answer timed."""

    class _Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), self._Stay())
        self.csrf = ""

    def call(
        self, kind: str, path: str, form: dict[str, str] | None = None, expect: tuple[int, ...] = (200, 302)
    ) -> tuple[int, str, str]:
        data = urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=60) as answer:
                status, body, location = answer.status, answer.read().decode(), answer.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            status, body, location = (
                error.code,
                error.read().decode(errors="replace"),
                error.headers.get("Location", ""),
            )
        except OSError as error:
            with self.tally.lock:
                self.tally.transport_errors.append(f"{kind} {path}: {error}")
            return 0, "", ""
        elapsed = time.perf_counter() - started
        with self.tally.lock:
            self.tally.latencies[kind].append(elapsed)
            self.tally.statuses[status] += 1
            if status >= 500:
                self.tally.server_errors.append(f"{kind} {path}: {status}")
            elif status not in expect:
                self.tally.unexpected.append(f"{kind} {path}: {status}")
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return status, body, urllib.parse.urlsplit(location).path

    def sign_in(self, account: Account) -> None:
        self.call("sign_in", "/login")
        status, _, location = self.call("sign_in", "/login", {"email": account.email, "password": PASSWORD})
        if location == "/login/two-factor" and account.totp_secret:
            self.call("sign_in", location)
            status, _, location = self.call("sign_in", location, {"code": pyotp.TOTP(account.totp_secret).now()})
        if status != 302 or location.startswith("/login"):
            raise RuntimeError(f"{account.email} could not sign in ({status} -> {location})")


def enterprise_steps(browser: Browser, run: str, rng: random.Random) -> None:
    tally, mine = browser.tally, []
    for n in range(1_000_000):
        if mine and rng.random() < 0.35:
            request_id = rng.choice(mine)
            browser.call("enterprise_view", f"/portal/requests/{request_id}")
            body = f"{run} reply {n}: 补充资料 <b>not bold</b> & {secrets.token_hex(4)}"
            status, _, _ = browser.call("enterprise_reply", f"/portal/requests/{request_id}/messages", {"body": body})
            if status == 302:
                with tally.lock:
                    tally.replies.append((request_id, body))
        else:
            _, page, _ = browser.call("enterprise_form", "/portal/requests/new")
            key = KEY.search(page)
            title = f"{run} 申报咨询 {n} {secrets.token_hex(3)}"
            description = f'注册申报资料问题 {n}\n第二行 — {secrets.token_hex(8)} "quoted" <tag>'
            status, _, location = browser.call(
                "enterprise_submit",
                "/portal/requests/new",
                {
                    "title": title,
                    "description": description,
                    "category": Category.REGISTRATION_DOSSIER.value,
                    "lifecycle_stage": LifecycleStage.REGISTRATION_SUBMISSION.value,
                    "product_name": "一次性使用内窥镜",
                    "device_class": "II",
                    "idempotency_key": key.group(1) if key else "",
                },
            )
            created = PORTAL_LINK.match(location)
            if status == 302 and created:
                mine.append(int(created.group(1)))
                with tally.lock:
                    tally.submitted[int(created.group(1))] = (title, description)
        yield


def staff_steps(browser: Browser, run: str, rng: random.Random) -> None:
    for n in range(1_000_000):
        _, queue, _ = browser.call("staff_queue", "/desk/")
        ids = DESK_LINK.findall(queue)
        yield
        if not ids:
            continue
        request_id = rng.choice(ids)
        _, page, _ = browser.call("staff_view", f"/desk/requests/{request_id}")
        version = VERSION.search(page)
        if version and rng.random() < 0.6:
            # Staff race each other on the same queue: a stale version answering 409 is expected.
            browser.call(
                "staff_triage",
                f"/desk/requests/{request_id}/triage",
                {
                    "triage-version": version.group(1),
                    "triage-category": Category.CLINICAL_EVALUATION.value,
                    "triage-priority": rng.choice([Priority.P2.value, Priority.P3.value]),
                    "triage-lifecycle_stage": LifecycleStage.CLINICAL_EVALUATION.value,
                    "triage-assignee_id": "",
                },
                expect=(200, 302, 409),
            )
        else:
            browser.call(
                "staff_reply",
                f"/desk/requests/{request_id}/messages",
                {"body": f"{run} 答复 {n}", "visibility": "public"},
                expect=(200, 302, 409),
            )
        yield


def director_steps(browser: Browser, run: str, rng: random.Random) -> None:
    while True:
        browser.call("director_dashboard", "/director/")
        yield
        browser.call("director_cases", "/director/cases")
        yield


@dataclass
class Options:
    database_url: str
    seconds: float = 60.0
    enterprises: int = 4
    staff: int = 2
    directors: int = 1
    workers: int = 2
    threads: int = 4
    max_steps: int = 200_000
    seed: int = 7


def prepare(url: str, options: Options, run: str) -> dict[str, list[Account]]:
    """Migrate and seed the database, then make this run's accounts (desk users with two-step sign-in)."""
    upgrade_database(url)
    two_factor.configure_encryption(totp_cipher(TOTP_KEYS))
    engine = make_engine(url)
    accounts: dict[str, list[Account]] = {"enterprise": [], "staff": [], "director": []}
    with Session(engine) as session:
        seed.seed_reference_data(session)
        password_hash = passwords.hash_password(PASSWORD)
        with unit_of_work(session):
            stations = {s.code: s for s in session.scalars(select(Station))}
            for n in range(options.enterprises):
                code = complete(f"91220102{secrets.randbelow(10**8):08d}")
                enterprise = Enterprise(
                    name=f"{run} 医疗科技有限公司 {n}",
                    credit_code=code,
                    city="长春市",
                    station=stations["JL-CCND"],
                    size=EnterpriseSize.SMALL,
                    product_areas=["imaging"],
                    verified=True,
                )
                email = f"{run}.ent{n}@soak.example.cn"
                session.add(
                    User(
                        email=email,
                        name=f"企业联系人{n}",
                        role=Role.ENTERPRISE,
                        enterprise=enterprise,
                        password_hash=password_hash,
                    )
                )
                accounts["enterprise"].append(Account(email, Role.ENTERPRISE))
            for kind, role, count, station in (
                ("staff", Role.STAFF, options.staff, "JL-CCND"),
                ("director", Role.DIRECTOR, options.directors, "JL-HUB"),
            ):
                for n in range(count):
                    secret, email = pyotp.random_base32(), f"{run}.{kind}{n}@soak.example.cn"
                    user = User(
                        email=email,
                        name=f"{kind} {n}",
                        role=role,
                        station=stations[station],
                        password_hash=password_hash,
                        totp_enabled_at=datetime.now(UTC),
                    )
                    two_factor.store_secret(user, secret)
                    session.add(user)
                    accounts[kind].append(Account(email, role, secret))
    engine.dispose()
    return accounts


def start_server(url: str, options: Options, workdir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "TOTP_ENCRYPTION_KEYS": TOTP_KEYS,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_POOL_SIZE": str(options.threads),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(workdir / "gunicorn.log", "wb") as log:  # the child keeps its own copy of the handle
        server = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                str(options.workers),
                "--threads",
                str(options.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s; see gunicorn.log")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def drive(base: str, accounts: dict[str, list[Account]], options: Options, run: str) -> tuple[Tally, float]:
    tally = Tally()
    plans = [
        *((a, enterprise_steps) for a in accounts["enterprise"]),
        *((a, staff_steps) for a in accounts["staff"]),
        *((a, director_steps) for a in accounts["director"]),
    ]
    deadline = time.monotonic() + options.seconds

    def user(index: int, account: Account, steps) -> None:  # type: ignore[no-untyped-def]
        browser = Browser(base, tally)
        try:
            browser.sign_in(account)
        except RuntimeError as error:
            with tally.lock:
                tally.unexpected.append(str(error))
            return
        for _ in steps(browser, run, random.Random(options.seed + index)):
            if time.monotonic() >= deadline or tally.steps() >= options.max_steps:
                return

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(i, a, s)) for i, (a, s) in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def verify(url: str, tally: Tally) -> list[str]:
    """Every acknowledged submission and reply is stored exactly as sent."""
    problems = []
    engine = make_engine(url)
    with Session(engine) as session:
        stored = (
            {
                r.id: (r.title, r.description)
                for r in session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(list(tally.submitted))))
            }
            if tally.submitted
            else {}
        )
        for request_id, (title, description) in tally.submitted.items():
            if request_id not in stored:
                problems.append(f"request {request_id} acknowledged but missing")
            elif stored[request_id] != (title.strip(), description.strip()):
                problems.append(f"request {request_id} stored differently: {stored[request_id]!r}")
        bodies = (
            set(session.scalars(select(Message.body).where(Message.request_id.in_({r for r, _ in tally.replies}))))
            if tally.replies
            else set()
        )
        problems += [f"reply to {r} acknowledged but missing" for r, body in tally.replies if body not in bodies]
    engine.dispose()
    return problems


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def report(tally: Tally, elapsed: float, problems: list[str]) -> str:
    every = [v for values in tally.latencies.values() for v in values]
    lines = [f"{'step':<20} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"]
    for kind, values in [*sorted(tally.latencies.items()), ("ALL", every)]:
        lines.append(
            f"{kind:<20} {len(values):>7} {percentile(values, 0.5) * 1000:>8.1f} "
            f"{percentile(values, 0.95) * 1000:>8.1f} {percentile(values, 0.99) * 1000:>8.1f}"
        )
    lines += [
        f"throughput: {len(every) / elapsed:.1f} requests/s over {elapsed:.1f} s",
        f"statuses: {dict(sorted(tally.statuses.items()))}",
        f"submissions acknowledged: {len(tally.submitted)}, replies acknowledged: {len(tally.replies)}",
        (
            f"5xx: {len(tally.server_errors)}, transport errors: {len(tally.transport_errors)}, "
            f"unexpected answers: {len(tally.unexpected)}, lost or altered: {len(problems)}"
        ),
    ]
    lines += [f"  {item}" for item in (tally.server_errors + tally.transport_errors + tally.unexpected + problems)[:20]]
    return "\n".join(lines)


@dataclass
class Result:
    tally: Tally
    elapsed: float
    problems: list[str]
    text: str

    @property
    def ok(self) -> bool:
        t = self.tally
        return not (t.server_errors or t.transport_errors or t.unexpected or self.problems) and t.steps() > 0


def run_soak(options: Options, workdir: Path) -> Result:
    run = f"soak{secrets.token_hex(3)}"
    accounts = prepare(options.database_url, options, run)
    server, base = start_server(options.database_url, options, workdir)
    try:
        tally, elapsed = drive(base, accounts, options, run)
    finally:
        stop_server(server)
    problems = verify(options.database_url, tally)
    return Result(tally, elapsed, problems, report(tally, elapsed, problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--enterprises", type=int, default=4)
    parser.add_argument("--staff", type=int, default=2)
    parser.add_argument("--directors", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--max-steps", type=int, default=200_000, help="stop after this many HTTP requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-soak-") as tmp:
        workdir = Path(tmp)
        options = Options(
            database_url=args.database_url or f"sqlite:///{workdir / 'soak.sqlite3'}",
            seconds=args.seconds,
            enterprises=args.enterprises,
            staff=args.staff,
            directors=args.directors,
            workers=args.workers,
            threads=args.threads,
            max_steps=args.max_steps,
        )
        result = run_soak(options, workdir)
        print(result.text)
        if not result.ok:
            print((workdir / "gunicorn.log").read_text(errors="replace")[-3000:], file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
