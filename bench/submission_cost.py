"""What one portal submission costs the app, in-process, counted in instructions: unlike the clock, the count
does not move with the shared host's speed, so it compares two versions of the code.

    python bench/submission_cost.py --database-url sqlite:////tmp/bench.sqlite3
    python bench/submission_cost.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/desk_bench

Signs in as an enterprise user of a generated database (`flask demo-data`), posts --warm-up submissions
through Flask's test client (the whole request: session cookie, CSRF, form, operation, redirect), then
--submissions more, counted by valgrind's callgrind (Debian's package `valgrind`), which this script runs
itself under and switches on for the counted part only. With --clock it prints CPU milliseconds instead,
without valgrind. The submissions stay in the database, as the benchmark's do.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run import CSRF, submission_form  # the benchmark beside this script: its form and token pattern

CHILD = "SUBMISSION_COST_UNDER_CALLGRIND"


def submit_in_process(database_url: str, warm_up: int, counted: int, toggle: bool) -> float:
    """CPU seconds the counted submissions took; with ``toggle``, callgrind counts only them."""
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=os.environ.get("SECRET_KEY", "x" * 48))
    from sqlalchemy import select

    from app import create_app
    from service.demo.seed import DEMO_PASSWORD
    from service.models import Enterprise, User

    app = create_app()
    with app.extensions["db_engine"].connect() as conn:
        email = conn.scalar(
            select(User.email)
            .join(Enterprise, User.enterprise_id == Enterprise.id)
            .where(User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        )
    if email is None:
        raise SystemExit("the database holds no enterprise user: run flask demo-data first")
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    token = CSRF.search(client.get("/portal/requests/new").text).group(1)  # type: ignore[union-attr]
    cookie = client.get_cookie("session").value  # type: ignore[union-attr]

    def submit(n: int) -> None:
        client.set_cookie("session", cookie)  # as the benchmark does: "submitted" messages do not pile up
        answer = client.post("/portal/requests/new", data=submission_form(n, token))
        if answer.status_code == 200 and 'name="submit_anyway"' in answer.text:
            # Warned of a duplicate of its own, the enterprise confirms it is another matter (as bench/run.py).
            answer = client.post("/portal/requests/new", data={**submission_form(n, token), "submit_anyway": "y"})
        if answer.status_code != 302:
            raise SystemExit(f"submission {n} answered {answer.status_code}")

    for n in range(warm_up):
        submit(n)
    if toggle:
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    started = time.process_time()
    for n in range(counted):
        submit(warm_up + n)
    spent = time.process_time() - started
    if toggle:
        subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--warm-up", type=int, default=30)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--clock", action="store_true", help="CPU time instead of instructions (no valgrind)")
    args = parser.parse_args()
    if os.environ.get(CHILD):
        submit_in_process(args.database_url, args.warm_up, args.submissions, toggle=True)
        return
    if args.clock:
        spent = submit_in_process(args.database_url, args.warm_up, args.submissions, toggle=False)
        print(f"{spent / args.submissions * 1000:.2f} ms of CPU per submission")
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind), or use --clock")
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            *sys.argv[1:],
        ],
        env={**os.environ, CHILD: "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or collected is None:
        raise SystemExit(run.stderr[-3000:])
    print(f"{int(collected.group(1)) / args.submissions / 1e6:.2f} M instructions per submission")


if __name__ == "__main__":
    main()
