"""Bulk demo data at a province's scale: ``flask --app app demo-data --requests N``.

Reference data and the demo accounts come from service.demo.seed; then a few
hundred enterprises with their users, desk staff for every station, service
plans with milestones, and N requests spread over the last years in every
status, with replies, internal notes, events, hotline sessions, instructions
and their search-index documents.

Small tables go through the ORM (so their defaults apply); the big ones are
written as plain rows with executemany (SQLite) or COPY (PostgreSQL) in large
batches, a few transactions in all, on the engine's raw connection. Ids are
handed out here, continuing after what the database holds, and the reference
counters end at the highest number used per year, so later submissions go on
from there.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from queue import Empty
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from service.demo import seed, texts
from service.demo.stories import COLUMNS, Batch, Start, Storyteller, World
from service.demo.stories import Enterprise as Company
from service.infrastructure import passwords
from service.infrastructure.search_index import enterprise_terms
from service.models import (
    Enterprise,
    EnterpriseRole,
    EnterpriseSize,
    Milestone,
    MilestonePhase,
    MilestoneStatus,
    PlanStatus,
    ProductArea,
    ReferenceCounter,
    Role,
    ServicePlan,
    Station,
    User,
)
from service.models.base import Base
from service.rules.credit_code import ALPHABET, complete, division_codes

if TYPE_CHECKING:
    import psycopg

# What the producer process sends: a batch of rows, ("done", reference counters) or ("error", traceback).
Produced = Batch | tuple[str, object]
STAFF_PER_STATION = {True: (8, 2), False: (5, 1)}  # is_hub -> (staff, directors)


@dataclass(frozen=True)
class Options:
    requests: int
    enterprises: int = 300
    years: int = 5
    seed: int = 2026
    chunk: int = 5_000
    commit_every: int = 100_000


def generate(
    engine: Engine, options: Options, progress: Callable[[int], None] = lambda n: None, now: datetime | None = None
) -> dict[str, int]:
    """Fill the database; returns how many rows of each big table were written."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    check_columns()
    with Session(engine) as session:
        seed.seed_reference_data(session)
        seed.seed_demo_accounts(session)
        world = _build_world(session, options, random.Random(options.seed))
        counters = {c.year: c.last_value for c in session.scalars(select(ReferenceCounter))}
        next_ids = {table: (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1 for table in COLUMNS}
    engine.dispose()  # the bulk connection below is the only one (SQLite switches its journal mode)
    postgres = engine.dialect.name == "postgresql"
    written = dict.fromkeys(COLUMNS, 0)
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection  # sqlite3's or psycopg's own connection, as the dialect says
        loader = (PostgresLoader if postgres else SqliteLoader)(driver)
        loader.begin()
        since_commit = 0
        producer = _Producer(Start(world, next_ids, counters, now), options, postgres)
        for batch in producer:
            loader.write(batch)
            for table, rows in batch.rows.items():
                written[table] += len(rows)
            since_commit += batch.requests
            if since_commit >= options.commit_every:
                loader.commit()
                loader.begin()
                since_commit = 0
            progress(batch.requests)
        loader.counters(producer.counters)
        loader.commit()
        loader.finish(list(COLUMNS))
    finally:
        raw.close()
    return written


class _Producer:
    """Tells the requests in a second process (the other core) while this one writes the previous batch."""

    def __init__(self, start: Start, options: Options, postgres: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: Queue[Produced] = context.Queue(maxsize=3)
        self.process = context.Process(
            target=_produce,
            name="demo-data-producer",
            daemon=True,
            args=(self.queue, start, options, postgres),
        )
        self.counters = start.counters

    def __iter__(self) -> Iterator[Batch]:
        self.process.start()
        try:
            while True:
                item = self._next()
                if isinstance(item, Batch):
                    yield item
                    continue
                kind, payload = item
                if kind == "error":
                    raise RuntimeError(f"generating demo data failed:\n{payload}")
                self.counters = cast(dict[int, int], payload)  # "done" carries the reference counters
                return
        finally:
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.terminate()

    def _next(self) -> Produced:
        while True:
            try:
                return self.queue.get(timeout=5)
            except Empty:
                if not self.process.is_alive():
                    raise RuntimeError("the demo data producer stopped unexpectedly") from None


def _produce(queue: Queue[Produced], start: Start, options: Options, postgres: bool) -> None:
    try:
        stamp = _timestamp_postgres if postgres else _timestamp_sqlite
        teller = Storyteller(start, options.seed, stamp, postgres)
        rng = random.Random(options.seed + 1)
        span, total = timedelta(days=365 * options.years), options.requests
        first = start.now - span
        for chunk_start in range(0, total, options.chunk):
            batch = Batch()
            for k in range(chunk_start, min(total, chunk_start + options.chunk)):
                teller.tell(batch, first + span * ((k + rng.random()) / total))
            queue.put(batch)
        queue.put(("done", teller.counters))
    except Exception:  # noqa: BLE001 - reported to the parent process, which raises it
        queue.put(("error", traceback.format_exc()))


def check_columns() -> None:
    """Fail early if a model gained a required column the bulk rows do not fill."""
    for table_name, columns in COLUMNS.items():
        table = Base.metadata.tables[table_name]
        unknown = set(columns) - set(table.c.keys())
        missing = {c.name for c in table.c if not c.nullable and c.server_default is None} - set(columns)
        if unknown or missing:
            raise RuntimeError(f"demo data for {table_name} is out of date: unknown {unknown}, missing {missing}")


def _unique(taken: set[str], pattern: str, rng: random.Random) -> str:
    while (value := pattern.format(f"{rng.getrandbits(32):08x}")) in taken:
        pass
    taken.add(value)
    return value


def _credit_code(rng: random.Random, taken: set[str]) -> str:
    """A valid code of a company registered by one of Jilin's market regulators."""
    jilin_divisions = sorted(code for code in division_codes() if code.startswith("22"))
    while True:
        division = rng.choice(jilin_divisions)
        code = complete("91" + division + "".join(rng.choice(ALPHABET) for _ in range(8)))
        if code not in taken:
            taken.add(code)
            return code


def _build_world(session: Session, options: Options, rng: random.Random) -> World:
    """Stations' staff and directors, enterprises and their users, and plans: through the ORM, in one transaction."""
    with session.begin():
        password_hash = passwords.hash_password(seed.DEMO_PASSWORD)
        stations = list(session.scalars(select(Station).order_by(Station.id)))
        hub = next(s for s in stations if s.is_hub)
        # Every other sub-station has its head review results before the enterprise is told (办结审核).
        for station in [s for s in stations if not s.is_hub][::2]:
            station.review_closures = True
        reviewing = frozenset(s.id for s in stations if s.review_closures)
        emails = set(session.scalars(select(User.email)))
        for station in stations:
            staff_count, director_count = STAFF_PER_STATION[station.is_hub]
            for role, count in ((Role.STAFF, staff_count), (Role.DIRECTOR, director_count)):
                for _ in range(count):
                    session.add(
                        User(
                            email=_unique(emails, f"{role.value}-{{}}@demo.jl.gov.cn", rng),
                            name=texts.person_name(rng),
                            role=role,
                            station=station,
                            password_hash=password_hash,
                        )
                    )
        taken = set(session.scalars(select(Enterprise.credit_code)))
        areas = list(ProductArea)
        for _ in range(options.enterprises):
            name, city = texts.enterprise_name(rng)
            station = stations[rng.randrange(len(stations))]
            enterprise = Enterprise(
                name=name,
                credit_code=_credit_code(rng, taken),
                city=city,
                station=station,
                size=rng.choice(list(EnterpriseSize)),
                verified=rng.random() < 0.9,
                product_areas=[a.value for a in rng.sample(areas, rng.randint(1, 3))],
            )
            session.add(enterprise)
            for n in range(rng.randint(1, 2)):
                session.add(
                    User(
                        email=_unique(emails, "contact-{}@enterprise.example.cn", rng),
                        name=texts.person_name(rng),
                        role=Role.ENTERPRISE,
                        enterprise=enterprise,
                        enterprise_role=EnterpriseRole.MEMBER if n else EnterpriseRole.ADMINISTRATOR,
                        password_hash=password_hash,
                    )
                )
        session.flush()
        desk = list(
            session.scalars(
                select(User).where(User.role.in_([Role.STAFF, Role.DIRECTOR]), User.active.is_(True)).order_by(User.id)
            )
        )
        staff = {
            s.id: [(u.id, u.name) for u in desk if u.station_id == s.id and u.role == Role.STAFF] for s in stations
        }
        directors = {s.id: [u.id for u in desk if u.station_id == s.id and u.role == Role.DIRECTOR] for s in stations}
        companies = _companies(session)
        _plans(session, rng, companies, staff, directors, hub.id)
    hub_directors = directors[hub.id]
    return World(
        staff=staff, directors=directors, hub_director=hub_directors[0], enterprises=companies, reviewing=reviewing
    )


def _companies(session: Session) -> list[Company]:
    """Every enterprise with users, the demo ones first (they get the most requests)."""
    users: dict[int | None, list[int]] = {}
    for user_id, enterprise_id in session.execute(
        select(User.id, User.enterprise_id).where(User.role == Role.ENTERPRISE, User.active.is_(True)).order_by(User.id)
    ):
        users.setdefault(enterprise_id, []).append(user_id)
    demo_codes = [complete(stem) for stem, *_ in seed.DEMO_ENTERPRISES]
    rank = {code: n for n, code in enumerate(demo_codes)}
    enterprises = sorted(session.scalars(select(Enterprise)), key=lambda e: (rank.get(e.credit_code, len(rank)), e.id))
    active = dict(
        session.execute(
            select(ServicePlan.enterprise_id, ServicePlan.id).where(ServicePlan.status == PlanStatus.ACTIVE)
        ).all()
    )
    return [
        Company(e.id, e.station_id, users[e.id], active.get(e.id), enterprise_terms(e.name, e.credit_code))
        for e in enterprises
        if e.id in users
    ]


def _plans(
    session: Session,
    rng: random.Random,
    companies: list[Company],
    staff: dict[int, list[tuple[int, str]]],
    directors: dict[int, list[int]],
    hub_id: int,
) -> None:
    """A one-company-one-policy plan with its milestones for four enterprises in ten."""
    phases = [p for p in MilestonePhase if p != MilestonePhase.OTHER]
    for company in companies:
        if company.plan_id is not None or rng.random() > 0.4:
            continue
        liaison = staff[company.station_id][0][0]
        director = (directors[company.station_id] or directors[hub_id])[0]
        status = PlanStatus.ACTIVE if rng.random() < 0.85 else PlanStatus.COMPLETED
        done = rng.randrange(len(phases) + 1) if status == PlanStatus.ACTIVE else len(phases)
        start = datetime.now(UTC) - timedelta(days=rng.randint(60, 900))
        plan = ServicePlan(
            enterprise_id=company.id,
            station_id=company.station_id,
            title="一企一策全程指导服务方案",
            goals="提前介入、一企一策、全程指导，推动产品尽早获批上市。",
            liaison_id=liaison,
            status=status,
            created_by_id=liaison,
            approved_by_id=director,
            approved_at=start + timedelta(days=3),
            created_at=start,
            updated_at=start,
            milestones=[
                Milestone(
                    position=n,
                    phase=phase,
                    title="",
                    owner_id=liaison,
                    due_date=(start + timedelta(days=90 * n)).date(),
                    status=MilestoneStatus.DONE if n <= done else MilestoneStatus.PLANNED,
                    completed_at=start + timedelta(days=90 * n - 5) if n <= done else None,
                )
                for n, phase in enumerate(phases, 1)
            ],
        )
        session.add(plan)
        session.flush()
        if status == PlanStatus.ACTIVE:
            company.plan_id = plan.id


def _timestamp_sqlite(value: datetime | None) -> str | None:
    return value.isoformat(" ", "microseconds") if value is not None else None


def _timestamp_postgres(value: datetime | None) -> str | None:
    return value.isoformat(" ", "microseconds") + "+00" if value is not None else None


class SqliteLoader:
    """executemany in large batches; journal off and no fsync while loading, WAL and statistics after."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        for pragma in (
            "foreign_keys=OFF",
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-400000",
            "temp_store=MEMORY",
        ):
            db.execute(f"PRAGMA {pragma}")
        # A larger in-memory term buffer: fewer, bigger index segments to merge while loading.
        db.execute("INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 67108864)")

    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def write(self, batch: Batch) -> None:
        for table, rows in batch.rows.items():
            if rows:
                columns = COLUMNS[table]
                self.db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
                )
        self.db.executemany(
            "INSERT INTO search_index (rowid, title_terms, public_terms, internal_terms, scope_terms, "
            "product_terms, enterprise_terms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            batch.documents,
        )

    def counters(self, counters: dict[int, int]) -> None:
        self.db.executemany(
            "INSERT INTO reference_counters (year, last_value) VALUES (?, ?) "
            "ON CONFLICT (year) DO UPDATE SET last_value = excluded.last_value",
            sorted(counters.items()),
        )

    def finish(self, _tables: list[str]) -> None:
        self.db.execute("INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 1048576)")
        # One merged index: otherwise the first submissions after loading pay for merging its many segments.
        self.db.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("ANALYZE")


class PostgresLoader:
    """COPY for every batch; sequences moved past the ids used, and statistics, after."""

    def __init__(self, db: psycopg.Connection[Any]) -> None:
        self.db = db

    def begin(self) -> None:
        pass  # psycopg opens the transaction with the first statement

    def commit(self) -> None:
        self.db.commit()

    def write(self, batch: Batch) -> None:
        with self.db.cursor() as cursor:
            for table, rows in batch.rows.items():
                if rows:
                    self._copy(cursor, table, COLUMNS[table], rows)
            self._copy(cursor, "search_documents", ("request_id", "document"), batch.documents)

    @staticmethod
    def _copy(cursor: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def counters(self, counters: dict[int, int]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO reference_counters (year, last_value) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last_value = excluded.last_value",
                sorted(counters.items()),
            )

    def finish(self, tables: list[str]) -> None:
        with self.db.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        self.db.commit()
        self.db.autocommit = True
        # VACUUM sets the visibility map of the freshly loaded requests, so that queue counts can be
        # answered from their indexes alone (autovacuum would get there, later).
        self.db.execute("VACUUM (ANALYZE) requests")
        self.db.execute("ANALYZE")
