"""Benchmark: the app under gunicorn on 127.0.0.1, measured over real HTTP.

    python bench/run.py --database-url sqlite:////tmp/bench.sqlite3 --requests 100000
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/desk_bench --requests 1000000

An empty database is first filled with ``flask demo-data``. Then gunicorn
starts (2 workers, production settings), a station's staff member and the
provincial director sign in (with two-step sign-in, as production requires of
desk users: the bench gives them a TOTP secret), and each page is fetched
--samples times in a row:
p50/p95/p99 of the staff queue (first page, a page about 5,000 pages deep, a
filtered queue), search (an English word, a two-character Chinese word, a word no request holds, part of
an enterprise's name, its credit code and a reference's number without its zeros), a
request's page, the director's dashboard, the supervision page, the monthly report (its page and its Excel
workbook, whole), the knowledge base's suggestions (as an enterprise types a question) and search, and the CSV
export's time to first byte. Enterprise users then submit --submissions requests
through the portal form from --concurrency threads (requests/s and errors), and the peak memory of
the workers is read from /proc. Routes the app does not have answer "missing".
The table is printed and written as JSON to bench/results/. Bounded loops and
loopback traffic only; gunicorn is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyotp
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import totp_cipher  # noqa: E402
from service.demo.seed import DEMO_PASSWORD  # noqa: E402
from service.models import Enterprise, Role, ServiceRequest, Station, User  # noqa: E402
from service.operations import two_factor  # noqa: E402
from service.queries.rates import Period  # noqa: E402

STAFF, DIRECTOR = "ccnd.staff@demo.jl.gov.cn", "director@demo.jl.gov.cn"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VENV_BIN = Path(sys.executable).parent
# The production server refuses to run without its own key; the measured users' TOTP secrets are stored with it.
TOTP_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS") or Fernet.generate_key().decode()


def machine() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def core_speed() -> float:
    """Seconds one core takes for a fixed loop of Python arithmetic: on a shared host the same machine runs
    25 % slower at some hours than at others, and every figure with it."""
    started = time.process_time()
    total = 0
    for n in range(10_000_000):
        total += n * n % 7
    return round(time.process_time() - started, 2)


def flask(args: list[str], database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True)


def prepare(database_url: str, count: int) -> float | None:
    """Migrate; fill an empty database with ``count`` requests. Returns the generation time, if any."""
    flask(["migrate"], database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(ServiceRequest))
    engine.dispose()
    if existing:
        return None
    started = time.monotonic()
    flask(["demo-data", "--requests", str(count)], database_url)
    return time.monotonic() - started


def facts(database_url: str, samples: int) -> dict[str, object]:
    """What the measurements need from the data: request ids in the staff's scope, a deep cursor, enterprise users."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        station_id = conn.scalar(select(User.station_id).where(User.email == STAFF))
        in_station = conn.scalar(select(func.count()).where(ServiceRequest.station_id == station_id)) or 0
        depth = max(0, min(5000 * 25, in_station - 50))
        cursor = conn.scalar(
            select(ServiceRequest.id)
            .where(ServiceRequest.station_id == station_id)
            .order_by(ServiceRequest.id.desc())
            .offset(depth)
            .limit(1)
        )
        sampled = conn.execute(
            select(ServiceRequest.id, ServiceRequest.sequence)
            .where(ServiceRequest.station_id == station_id)
            .order_by(func.random())
            .limit(samples)
        ).all()
        # The station's busiest enterprise: what staff type to find its requests.
        enterprise = conn.execute(
            select(Enterprise.name, Enterprise.credit_code)
            .join(ServiceRequest, ServiceRequest.enterprise_id == Enterprise.id)
            .where(Enterprise.station_id == station_id)
            .group_by(Enterprise.id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        submitters = list(
            conn.scalars(
                select(User.email)
                .join(Enterprise, User.enterprise_id == Enterprise.id)
                .where(User.role == Role.ENTERPRISE, User.active.is_(True))
                .order_by(User.id)
                .limit(64)
            )
        )
        total = conn.scalar(select(func.count()).select_from(ServiceRequest))
        station = conn.scalar(select(Station.code).where(Station.id == station_id))
    engine.dispose()
    return {
        "station": station,
        "station_requests": in_station,
        "deep_cursor": cursor,
        "deep_rows_above": depth,
        "detail_ids": [row.id for row in sampled],
        "sequences": [row.sequence for row in sampled],
        # Four characters from the middle of the name (博识医疗 of 长春博识医疗科技有限公司).
        "enterprise_name_part": enterprise.name[2:6] if enterprise else "",
        "credit_code": enterprise.credit_code if enterprise else "",
        "submitters": submitters,
        "requests": total,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int, log: Path):
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOTP_ENCRYPTION_KEYS": TOTP_KEYS,
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "false",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    if requests.get(base + "/healthz", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {log}")
                time.sleep(0.5)
            else:
                raise RuntimeError(f"gunicorn did not answer; see {log}")
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def peak_rss_mb(pids: list[int]) -> float | None:
    peaks = []
    for pid in pids:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return round(max(peaks), 1) if peaks else None


def database_server_pids() -> list[int]:
    """The local PostgreSQL server's processes (none for SQLite, which works inside the workers)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU time each process has used so far."""
    spent = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile (a PostgreSQL backend)
            continue
        spent[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return spent


def host_cpu_ticks() -> dict[str, int]:
    """The machine's CPU time so far, all cores (/proc/stat): busy, idle (waiting on disk included), and stolen,
    i.e. time the cores were runnable but the hypervisor ran other guests on them."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return {"busy": user + nice + system + irq + softirq, "idle": idle + iowait, "stolen": steal}


def enrol_two_factor(database_url: str, emails: tuple[str, ...]) -> dict[str, str]:
    """Desk users sign in with two-step sign-in in production: give the measured ones a new TOTP secret
    (under this run's key, so a database kept from an earlier run gets one too)."""
    engine = create_engine(database_url)
    two_factor.configure_encryption(totp_cipher(TOTP_KEYS))
    secrets_by_email = {}
    with Session(engine) as session, session.begin():
        for user in session.scalars(select(User).where(User.email.in_(emails))):
            secret = pyotp.random_base32()
            two_factor.store_secret(user, secret)
            user.totp_enabled_at, user.totp_last_step = datetime.now(UTC), None
            secrets_by_email[user.email] = secret
    engine.dispose()
    return secrets_by_email


def _form(client: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    token = CSRF.search(client.get(url, timeout=30).text)
    if token is None:
        raise RuntimeError(f"no CSRF token on {url}")
    return client.post(url, data={**data, "csrf_token": token.group(1)}, allow_redirects=False, timeout=30)


def signed_in(base: str, email: str, totp_secret: str | None = None) -> requests.Session:
    client = requests.Session()
    answer = _form(client, base + "/login", {"email": email, "password": DEMO_PASSWORD})
    if answer.status_code == 302 and answer.headers.get("Location", "").endswith("/login/two-factor") and totp_secret:
        answer = _form(client, base + "/login/two-factor", {"code": pyotp.TOTP(totp_secret).now()})
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"could not sign in as {email} ({answer.status_code})")
    return client


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 1)

    return {"p50": at(50), "p95": at(95), "p99": at(99), "mean": round(statistics.fmean(ordered) * 1000, 1)}


def measure(client: requests.Session, base: str, paths: list[str]) -> dict[str, object]:
    """Fetch each path in turn (after two warm-up fetches) and time the whole page."""
    return _timed(client, base, paths, first_byte=False)[0]


def measure_download(client: requests.Session, base: str, paths: list[str]) -> tuple[dict[str, object], ...]:
    """Time a streamed download to its first byte and to its end. It is read to the end, as a user's browser
    does: a download dropped after its first byte keeps a worker busy writing the rest into a closed socket,
    and the next fetch would wait for that worker."""
    return _timed(client, base, paths, first_byte=True)


def _timed(client: requests.Session, base: str, paths: list[str], first_byte: bool) -> tuple[dict[str, object], ...]:
    probe = client.get(base + paths[0], timeout=120)
    if probe.status_code == 404:
        return ({"missing": True},) * (1 + first_byte)
    for path in paths[:2]:
        client.get(base + path, timeout=120).close()
    firsts, wholes, errors = [], [], 0
    for path in paths:
        started = time.perf_counter()
        response = client.get(base + path, timeout=120, stream=first_byte)
        if first_byte:
            # One iterator, chunks as they arrive (the export is sent chunked): the first is its first byte.
            chunks = response.iter_content(chunk_size=None)
            next(chunks, b"")
            firsts.append(time.perf_counter() - started)
            for _ in chunks:
                pass
        else:
            _ = response.content
        wholes.append(time.perf_counter() - started)
        # A redirect (to the sign-in page, say) would time the wrong page: it counts as an error.
        errors += response.status_code != 200 or bool(response.history)
        response.close()
    return tuple(
        {"samples": len(timings), "errors": errors, **percentiles(timings)}
        for timings in ([firsts, wholes] if first_byte else [wholes])
    )


# Words of the benchmark's questions: each submission draws its own, so that, like different matters of real
# enterprises, it reads unlike the client's earlier ones and the duplicate check scores them and lets it through.
QUESTION_WORDS = (
    "注册检验",
    "临床评价",
    "生物相容性",
    "电磁兼容",
    "软件验证",
    "网络安全",
    "说明书",
    "标签样稿",
    "风险管理",
    "灭菌确认",
    "有效期",
    "包装验证",
    "动物试验",
    "同品种比对",
    "分类界定",
    "创新审查",
    "优先审批",
    "质量体系",
    "委托生产",
    "变更注册",
    "延续注册",
    "技术要求",
    "检验报告",
    "临床试验",
    "伦理审查",
    "样品送检",
    "体系核查",
    "产品命名",
    "适用范围",
    "原材料",
    "供应商",
    "设计开发",
    "工艺验证",
    "可用性",
    "稳定性",
    "算法更新",
)


def submission_form(n: int, csrf_token: str) -> dict[str, str]:
    """The fields of the ``n``-th benchmark submission on the portal's new-request form."""
    words = random.Random(n).sample(QUESTION_WORDS, 7)
    return {
        "csrf_token": csrf_token,
        "title": f"{words[0]}、{words[1]}和{words[2]}",
        "description": f"{words[3]}，{words[4]}，{words[5]}，{words[6]}",
        "category": "registration_dossier",
        "lifecycle_stage": "registration_submission",
        "product_name": "便携式超声诊断仪",
        "device_class": "II",
        "product_type": "active",
        "product_field": "06",
        "idempotency_key": uuid.uuid4().hex,
    }


def submissions(base: str, emails: list[str], count: int, concurrency: int) -> dict[str, object]:
    """``count`` portal submissions from ``concurrency`` enterprise users at once.

    Each client posts over one keep-alive connection (http.client: the load generator
    shares the machine's cores with the server, so it must cost little) and sends the
    session cookie it had after signing in. A browser would follow each redirect and
    so consume the "submitted" message; replaying the cookie keeps that message from
    piling up in the cookie instead, without spending a page view per submission.
    """
    clients = [signed_in(base, email) for email in emails[:concurrency]]
    if not clients:
        return {"missing": True}
    sessions = []
    for client in clients:
        page = client.get(base + "/portal/requests/new", timeout=30)
        if page.status_code == 404:
            return {"missing": True}
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
        sessions.append((token, cookie))
    address = urlsplit(base)

    def run(worker: int) -> tuple[int, int, list[float]]:
        token, cookie = sessions[worker]
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        done, failed, warned, timings = 0, 0, 0, []
        for n in range(worker, count, len(sessions)):
            started = time.perf_counter()
            try:
                form = submission_form(n, token)
                connection.request("POST", "/portal/requests/new", body=urlencode(form), headers=headers)
                answer = connection.getresponse()
                page = answer.read()
                if answer.status == 200 and b'name="submit_anyway"' in page:
                    # Warned of a duplicate of its own, the enterprise confirms it is another matter.
                    warned += 1
                    form = {**submission_form(n, token), "submit_anyway": "y"}
                    connection.request("POST", "/portal/requests/new", body=urlencode(form), headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                ok = answer.status == 302 and "/portal/requests/" in (answer.getheader("Location") or "")
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            timings.append(time.perf_counter() - started)
            done, failed = done + ok, failed + (not ok)
        connection.close()
        return done, failed, warned, timings

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        outcomes = list(pool.map(run, range(len(sessions))))
    elapsed = time.perf_counter() - started
    ok, errors = sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)
    return {
        "submitted": ok,
        "errors": errors,
        # Submissions that the duplicate warning sent back once before the confirmed second post.
        "warned": sum(o[2] for o in outcomes),
        "concurrency": len(sessions),
        "seconds": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        **percentiles([t for o in outcomes for t in o[3]]),
    }


# What enterprises type into the new-request form (the suggestions' words) and into the knowledge base's search.
TYPED_QUESTIONS = (
    "我们的产品分类怎么确定",
    "连续血糖监测系统临床评价需要做临床试验吗",
    "型式检验报告电磁兼容不通过怎么办",
    "How is our device classified? Which classification rules apply?",
    "Does our AI software qualify for the special review of innovative devices",
    "注册申报资料被要求补正",
)


def knowledge_pages(n: int) -> dict[str, tuple[str, list[str]]]:
    """The knowledge base: the new-request form's suggestions (a different question each time) and its search."""
    typed = [f"/knowledge/suggest?{urlencode({'q': TYPED_QUESTIONS[i % len(TYPED_QUESTIONS)]})}" for i in range(n)]
    return {
        "knowledge suggestions": ("staff", typed),
        "knowledge search, Chinese word": ("staff", [f"/knowledge/?{urlencode({'q': '临床评价'})}"] * n),
        "knowledge search, English word": ("staff", ["/knowledge/?q=classification"] * n),
    }


def measured_pages(known: dict[str, Any], n: int) -> dict[str, tuple[str, list[str]]]:
    """The pages measured, by name: who fetches them ("staff" or "director") and ``n`` paths."""
    deep = f"/desk/?queue=all&cursor={known['deep_cursor']}"
    last_month = Period.containing(datetime.now(UTC)).previous()
    return {
        "staff queue, first page": ("staff", ["/desk/"] * n),
        "staff queue, page ~5,000": ("staff", [deep] * n),
        "staff queue, filtered": ("staff", ["/desk/?queue=open&category=clinical_evaluation&priority=P2"] * n),
        "search, English word": ("staff", ["/search/?q=clinical"] * n),
        "search, Chinese word": ("staff", ["/search/?q=注册"] * n),
        "search, word nobody used": ("staff", ["/search/?q=zebrafish"] * n),
        "search, enterprise name part": ("staff", [f"/search/?q={known['enterprise_name_part']}"] * n),
        "search, credit code": ("staff", [f"/search/?q={known['credit_code']}"] * n),
        # The reference's number without its leading zeros (42 for JL-2026-000042), a different one each time.
        "search, reference digits": (
            "staff",
            [f"/search/?q={sequence}" for sequence in known["sequences"]][:n] or ["/search/?q=42"],
        ),
        "request page": ("staff", [f"/desk/requests/{i}" for i in known["detail_ids"]][:n] or ["/desk/requests/1"]),
        "director dashboard": ("director", ["/director/"] * n),
        # Every supervision order of the province, nearest deadline first, and those overdue.
        "supervision orders": ("director", ["/supervision/"] * n),
        "supervision orders, overdue": ("director", ["/supervision/?overdue=1"] * n),
        # The province's monthly report of the last full month: the page, and its Excel workbook whole.
        "monthly report": ("director", ["/reports/monthly"] * n),
        "monthly report, Excel": ("director", ["/reports/monthly.xlsx"] * min(n, 20)),
        # The sub-stations ranked on the rates (三率) of the last whole month, and of the last whole year (a fifth of
        # the generator's five years of requests).
        "rates ranking, month": ("director", [f"/director/rates/?period={last_month}"] * n),
        "rates ranking, year": ("director", [f"/director/rates/?period={last_month.year - 1}"] * n),
        **knowledge_pages(n),
    }


def run_all(
    args: argparse.Namespace, known: dict[str, object], totp: dict[str, str], base: str, master: int
) -> dict[str, object]:
    n = args.samples
    staff, director = signed_in(base, STAFF, totp[STAFF]), signed_in(base, DIRECTOR, totp[DIRECTOR])
    clients = {"staff": staff, "director": director}
    pages = {name: (clients[who], paths) for name, (who, paths) in measured_pages(known, n).items()}
    results: dict[str, object] = {}
    if not args.submissions_only:
        results.update({name: measure(client, base, paths) for name, (client, paths) in pages.items()})
        results["CSV export, first byte"], results["CSV export, whole file"] = measure_download(
            director, base, ["/director/export.csv?bucket=open"] * min(n, 20)
        )
    # Where one submission's CPU goes, whatever else the machine is doing: the workers, the database
    # server (PostgreSQL's processes on this machine) and this script's own load generator.
    parties = {"server": lambda: worker_pids(master), "database": database_server_pids}
    before = {name: cpu_seconds(pids()) for name, pids in parties.items()}
    load_before, host_before = time.process_time(), host_cpu_ticks()
    results["submissions"] = submissions(base, list(known["submitters"]), args.submissions, args.concurrency)
    submitted = results["submissions"].get("submitted")
    if submitted:
        for name, pids in parties.items():
            # A process started meanwhile (a new PostgreSQL backend) counts from zero.
            spent = sum(seconds - before[name].get(pid, 0.0) for pid, seconds in cpu_seconds(pids()).items())
            results["submissions"][f"{name}_cpu_ms_each"] = round(spent / submitted * 1000, 2)
        load_generator = time.process_time() - load_before
        results["submissions"]["load_generator_cpu_ms_each"] = round(load_generator / submitted * 1000, 2)
        # On a shared host the cores are not always this guest's: the share stolen tells a slow run from slow code.
        host = {kind: ticks - host_before[kind] for kind, ticks in host_cpu_ticks().items()}
        results["submissions"]["host_cpu_percent"] = {
            kind: round(100 * ticks / max(1, sum(host.values()))) for kind, ticks in host.items()
        }
    results["worker peak RSS (MB)"] = peak_rss_mb(worker_pids(master))
    return results


def print_table(results: dict[str, object]) -> None:
    print(f"\n{'measure':<28}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'n':>6}{'errors':>8}")
    for name, value in results.items():
        if isinstance(value, dict) and value.get("missing"):
            print(f"{name:<28}{'missing':>9}")
        elif isinstance(value, dict):
            count = value.get("samples", value.get("submitted"))
            print(f"{name:<28}{value['p50']:>9}{value['p95']:>9}{value['p99']:>9}{count:>6}{value['errors']:>8}")
            if "per_second" in value:
                print(
                    f"{'':<28}{value['per_second']} submissions/s with {value['concurrency']} clients "
                    f"({value['warned']} sent back once as a duplicate, then confirmed), "
                    f"CPU ms each: {value.get('server_cpu_ms_each')} workers, {value.get('database_cpu_ms_each')} "
                    f"database server, {value.get('load_generator_cpu_ms_each')} load generator"
                )
                host = value.get("host_cpu_percent")
                if host:
                    print(
                        f"{'':<28}host CPU meanwhile: {host['busy']} % busy, {host['idle']} % idle, "
                        f"{host['stolen']} % stolen by the hypervisor"
                    )
        else:
            print(f"{name:<28}{value!s:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=100_000, help="requests to generate into an empty database")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--submissions-only", action="store_true", help="skip the page measurements")
    args = parser.parse_args()
    if not 1 <= args.samples <= 5000 or not 1 <= args.submissions <= 100_000 or not 1 <= args.concurrency <= 64:
        parser.error("samples 1-5000, submissions 1-100000, concurrency 1-64")
    host = {**machine(), "core_speed": core_speed()}
    generated = prepare(args.database_url, args.requests)
    known = facts(args.database_url, args.samples)
    totp = enrol_two_factor(args.database_url, (STAFF, DIRECTOR))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dialect = args.database_url.split(":", 1)[0].split("+", 1)[0]
    with gunicorn(args.database_url, args.workers, out / f"{stamp}-{dialect}-gunicorn.log") as (base, master):
        results = run_all(args, known, totp, base, master)
    report = {
        "when": stamp,
        "database": dialect,
        "requests": known["requests"],
        "generation_seconds": generated,
        "machine": {**host, "load_average_after": os.getloadavg(), "core_speed_after": core_speed()},
        "workers": args.workers,
        "facts": {k: v for k, v in known.items() if k not in ("detail_ids", "sequences", "submitters")},
        "results": results,
    }
    path = out / f"{stamp}-{dialect}-{known['requests']}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(
        f"{dialect}, {known['requests']:,} requests, {host['nproc']} × {host['cpu']}; a fixed loop took "
        f"{host['core_speed']} s of one core before and {report['machine']['core_speed_after']} s after"
    )
    print_table(results)
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
