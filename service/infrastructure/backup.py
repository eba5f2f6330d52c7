"""Backup and restore of the database and the attachment files, with a manifest that proves a restore.

SQLite is copied through its online backup API (consistent while the app keeps
writing); PostgreSQL through ``pg_dump -Fc`` of an exported snapshot, so that the
row counts in the manifest are those of exactly the rows dumped. The manifest
records the row count of every table and the sha256 of every uploaded file;
``restore`` checks the backup before touching anything, and checks the restored
database and files against the manifest afterwards.

The files come from the attachments' store and go back into it, whichever it is: the upload folder, or the S3
bucket (every object is downloaded into the backup, and uploaded again by a restore).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, make_url, select, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from service.errors import NotFound
from service.infrastructure.attachment_files import AttachmentStore
from service.models import Attachment
from service.models.base import utcnow

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
UPLOADS = "uploads"
FORMAT = 1


class BackupError(Exception):
    """The backup or restore could not be made, or did not verify; the message says why."""


@dataclass
class Outcome:
    directory: Path
    tables: dict[str, int]
    files: dict[str, str]
    problems: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def backup(database_url: str, store: AttachmentStore, target: str | Path) -> Outcome:
    """Write a backup into ``target`` (a new or empty directory). Raises BackupError.

    Attachments whose file is missing or differs from its recorded checksum
    are listed in ``problems`` (the backup is still written: it is the best copy there is).
    """
    url, target = make_url(database_url), Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; choose a new directory for the backup")
    target.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        database_file = target / SQLITE_FILE
        _sqlite_copy(_sqlite_path(url), database_file, self_contained=True)
        with _connect(f"sqlite:///{database_file}") as conn:
            tables, attachments, revision = _census(conn)
    elif url.get_backend_name() == "postgresql":
        database_file = target / POSTGRES_FILE
        with _connect(url, isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            tables, attachments, revision = _census(conn)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={database_file}",
                    f"--dbname={_libpq(url)}",
                ],
                url,
            )
    else:
        raise BackupError(f"cannot back up a {url.get_backend_name()} database")
    files = _copy_out(store, target / UPLOADS)
    problems = _attachment_problems(attachments, files, "in the attachment store")
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "engine": url.get_backend_name(),
        "alembic_revision": revision,
        "database_file": database_file.name,
        "database_sha256": _sha256(database_file),
        "tables": tables,
        "files": files,
        "problems": problems,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return Outcome(target, tables, files, problems)


def restore(database_url: str, store: AttachmentStore, source: str | Path) -> Outcome:
    """Replace the database and the uploaded files by a backup, then verify them against its manifest.

    Refuses (BackupError, nothing touched) a backup that is incomplete, altered
    or of the other database engine; raises BackupError listing every difference
    when the restored state does not match the manifest.
    """
    url, source = make_url(database_url), Path(source)
    manifest = _checked_manifest(source, url)
    database_file = source / manifest["database_file"]
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(database_file, _sqlite_path(url))
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={_libpq(url)}",
                str(database_file),
            ],
            url,
        )
    for name in manifest["files"]:
        with open(source / UPLOADS / _safe_relative(name), "rb") as content:
            store.put(name, content)

    with _connect(url) as conn:
        tables, attachments, _ = _census(conn, only=manifest["tables"])
    problems = [
        f"table {name}: {tables.get(name)} rows restored, {count} in the backup"
        for name, count in manifest["tables"].items()
        if tables.get(name) != count
    ]
    restored_files = {name: _stored_sha256(store, name) for name in manifest["files"]}
    problems += [
        f"file {name}: checksum differs after restore"
        for name, digest in manifest["files"].items()
        if restored_files[name] != digest
    ]
    problems += _attachment_problems(attachments, restored_files, "after restore")
    if problems:
        raise BackupError("restore did not verify:\n" + "\n".join(problems))
    return Outcome(source, tables, manifest["files"])


def _checked_manifest(source: Path, url: URL) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} has no readable {MANIFEST}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    if manifest["engine"] != url.get_backend_name():
        raise BackupError(f"this is a {manifest['engine']} backup; the database is {url.get_backend_name()}")
    database_file = source / Path(manifest["database_file"]).name
    if not database_file.is_file() or _sha256(database_file) != manifest["database_sha256"]:
        raise BackupError(f"{database_file.name} is missing or altered; nothing was restored")
    damaged = []
    for name, digest in manifest["files"].items():
        path = source / UPLOADS / _safe_relative(name)
        if not path.is_file() or _sha256(path) != digest:
            damaged.append(name)
    if damaged:
        raise BackupError("files missing or altered in the backup, nothing was restored: " + ", ".join(damaged))
    return manifest


def _safe_relative(name: str) -> Path:
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise BackupError(f"refusing a file name that leaves the upload folder: {name!r}")
    return Path(*parts)


def _census(conn: Connection, only: dict[str, int] | None = None) -> tuple[dict[str, int], dict[str, str], str]:
    """Row counts per table, each attachment's recorded checksum, and the schema revision."""
    names = sorted(only) if only is not None else sorted(inspect(conn).get_table_names())
    present = set(inspect(conn).get_table_names())
    quote = conn.dialect.identifier_preparer.quote
    tables = {
        name: int(conn.scalar(text(f"SELECT count(*) FROM {quote(name)}")) or 0) for name in names if name in present
    }
    attachments = (
        dict(conn.execute(select(Attachment.stored_name, Attachment.sha256)).all())
        if Attachment.__tablename__ in present
        else {}
    )
    revision = conn.scalar(text("SELECT version_num FROM alembic_version")) if "alembic_version" in present else ""
    return tables, attachments, revision or ""


def _attachment_problems(attachments: dict[str, str], files: dict[str, str], where: str) -> list[str]:
    problems = []
    for stored_name, digest in sorted(attachments.items()):
        found = files.get(stored_name)
        if found is None or found == "missing":
            problems.append(f"attachment {stored_name}: file missing {where}")
        elif found != digest:
            problems.append(f"attachment {stored_name}: file differs from its recorded checksum {where}")
    return problems


@contextmanager
def _connect(url: str | URL, isolation_level: str | None = None) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as plain:
            conn = plain.execution_options(isolation_level=isolation_level) if isolation_level else plain
            with conn.begin():
                yield conn
    finally:
        engine.dispose()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_copy(source: Path, destination: Path, self_contained: bool = False) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(destination)
    try:
        # One step (pages=-1): the copy is a single consistent snapshot, whatever the app writes meanwhile.
        src.backup(dst, pages=-1)
        if self_contained:
            # One file, no -wal/-shm beside it (a live database in WAL mode keeps that mode when restored into).
            dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> str:
    """The URL as pg_dump understands it, without the password (given through PGPASSWORD, not argv)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")


def _copy_out(store: AttachmentStore, destination: Path) -> dict[str, str]:
    """Copy every stored file of the store into ``destination``; returns their checksums."""
    destination.mkdir(parents=True, exist_ok=True)
    checksums: dict[str, str] = {}
    for name in sorted(store.stored_names()):
        target = destination / _safe_relative(name)
        try:
            with store.open(name) as content, open(target, "wb") as copy:
                shutil.copyfileobj(content, copy)
        except NotFound:
            continue  # removed since it was listed (an orphan the sweep took)
        checksums[name] = _sha256(target)
    return checksums


def _stored_sha256(store: AttachmentStore, name: str) -> str:
    digest = hashlib.sha256()
    try:
        with store.open(name) as content:
            for block in iter(lambda: content.read(1024 * 1024), b""):
                digest.update(block)
    except NotFound:
        return "missing"
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
