"""Every queue, order and a set of filters, and a set of searches, in-process: the combinations the benchmark's
few pages do not cover, with the slowest printed.

    python bench/sweep.py --database-url sqlite:////tmp/bench.sqlite3
    python bench/sweep.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/desk_bench --over 100

For a station's staff member, the provincial director, a station director and an enterprise user of a
generated database (`flask demo-data`), each queue x order x filter is read twice (the second, warm, read
is timed): the first page, then the page after it. Then each search is run twice for each of them. Prints
how many reads were timed and those slower than --over milliseconds, slowest first.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.models import Category, Priority, Role, Status, User  # noqa: E402
from service.queries.requests import DESK_QUEUES, ENTERPRISE_QUEUES, SORTS, QueueFilters, queue_page  # noqa: E402
from service.queries.search import search_requests  # noqa: E402
from service.store.db import make_engine  # noqa: E402

DESK_USERS = ("ccnd.staff@demo.jl.gov.cn", "director@demo.jl.gov.cn", "ccnd.director@demo.jl.gov.cn")
FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"category": Category.CLINICAL_EVALUATION},
    {"priority": Priority.P1},
    {"status": Status.GUIDANCE},
    {"status": Status.CLOSED},
    {"escalated": True},
    {"text": "注册"},
    {"text": "zebrafish"},
    {"category": Category.POLICY, "priority": Priority.P4, "text": "clinical"},
)
SEARCHES = ("注册", "clinical", "zebrafish", "临床评价", "临床评价 同品种", "注")


def timed(work: Any) -> tuple[float, Any]:
    work()
    # The collector stays out of the timed read: a full collection of this process's objects (0.5 s once)
    # would be put down to whichever query happened to be running.
    gc.disable()
    try:
        started = time.perf_counter()
        result = work()
        return (time.perf_counter() - started) * 1000, result
    finally:
        gc.enable()


def sweep(session: Session, user: User) -> list[tuple[float, str]]:
    queues = ENTERPRISE_QUEUES if user.role == Role.ENTERPRISE else DESK_QUEUES
    found = []
    for queue, sort, extra in itertools.product(queues, SORTS, FILTERS):
        filters = QueueFilters(queue=queue, sort=sort, **extra)
        label = f"{user.email} {queue} by {sort} {extra or ''}"
        ms, page = timed(lambda: queue_page(session, user, filters, cursor=None))
        found.append((ms, label + " first page"))
        if page.next_cursor:
            ms, _ = timed(lambda: queue_page(session, user, filters, cursor=page.next_cursor))
            found.append((ms, label + " page 2"))
        session.rollback()
    for words in SEARCHES:
        ms, _ = timed(lambda: search_requests(session, user, words))
        found.append((ms, f"{user.email} search {words}"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--over", type=float, default=60.0, help="print reads slower than this many ms")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        users = [session.scalar(select(User).where(User.email == email)) for email in DESK_USERS]
        users.append(session.scalar(select(User).where(User.role == Role.ENTERPRISE).order_by(User.id).limit(1)))
        if not all(users):
            parser.error("the database holds no demo data: run flask demo-data first")
        found = [row for user in users for row in sweep(session, user)]  # type: ignore[arg-type]
    slow = sorted((row for row in found if row[0] > args.over), reverse=True)
    print(f"{len(found)} reads timed; {len(slow)} slower than {args.over:g} ms")
    for ms, label in slow:
        print(f"{ms:9.1f} ms  {label}")


if __name__ == "__main__":
    main()
