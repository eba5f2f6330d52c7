"""`flask backup` / `flask restore`: a restore brings back every row and file, proves it, refuses damaged backups."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, text, update

from service.infrastructure import backup
from service.infrastructure.attachment_files import FolderStore
from service.models import Attachment, Event, ServiceRequest
from service.models.base import Base
from service.store.db import make_engine
from tests.scratch import ENGINES, scratch_database
from tests.security.rows import fill_every_table
from tests.suite import suite_settings


class Live:
    """A scratch database with rows in every table and an upload folder holding each attachment's file."""

    def __init__(self, url: str, uploads: Path) -> None:
        self.url, self.uploads, self.engine = url, uploads, make_engine(url)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


@pytest.fixture(params=ENGINES)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    if request.param == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    with scratch_database(request.param, tmp_path, "backup") as url:
        state = Live(url, tmp_path / "uploads")
        state.uploads.mkdir()
        with state.engine.begin() as conn:
            fill_every_table(conn)
            for n, stored_name in enumerate(conn.scalars(select(Attachment.stored_name)).all()):
                content = f"附件 {n} — PDF stand-in".encode() * (n + 1)
                (state.uploads / stored_name).write_bytes(content)
                conn.execute(
                    update(Attachment)
                    .where(Attachment.stored_name == stored_name)
                    .values(sha256=hashlib.sha256(content).hexdigest(), size=len(content))
                )
        yield state
        state.engine.dispose()


def test_restore_brings_back_every_row_and_file_and_says_it_verified(live: Live, tmp_path: Path) -> None:
    before = live.counts()
    files_before = {p.name: p.read_bytes() for p in live.uploads.iterdir()}

    made = backup.backup(live.url, FolderStore(live.uploads), tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / backup.MANIFEST).read_text())
    assert {name: manifest["tables"][name] for name in before} == before
    assert set(manifest["files"]) == set(files_before) and made.problems == []
    assert manifest["alembic_revision"]

    with live.engine.begin() as conn:
        conn.execute(delete(Event))
        conn.execute(update(ServiceRequest).values(title="overwritten"))
    damaged = min(live.uploads.iterdir())
    damaged.write_bytes(b"ransomware was here")

    restored = backup.restore(live.url, FolderStore(live.uploads), tmp_path / "backup")
    assert live.counts() == before
    assert {p.name: p.read_bytes() for p in live.uploads.iterdir()} == files_before
    assert restored.rows >= sum(before.values())
    with live.engine.connect() as conn:
        assert "overwritten" not in conn.scalars(select(ServiceRequest.title)).all()


def test_an_altered_backup_is_refused_before_anything_is_touched(live: Live, tmp_path: Path) -> None:
    backup.backup(live.url, FolderStore(live.uploads), tmp_path / "backup")
    tampered = min((tmp_path / "backup" / backup.UPLOADS).iterdir())
    tampered.write_bytes(b"changed after the backup")
    with live.engine.begin() as conn:
        conn.execute(delete(Event))

    with pytest.raises(backup.BackupError, match="altered"):
        backup.restore(live.url, FolderStore(live.uploads), tmp_path / "backup")
    assert live.counts()["events"] == 0, "the live database was left as it was"


def test_a_backup_of_the_other_engine_or_a_foreign_file_name_is_refused(live: Live, tmp_path: Path) -> None:
    backup.backup(live.url, FolderStore(live.uploads), tmp_path / "backup")
    manifest_path = tmp_path / "backup" / backup.MANIFEST
    manifest = json.loads(manifest_path.read_text())

    other = {**manifest, "engine": "mysql"}
    manifest_path.write_text(json.dumps(other))
    with pytest.raises(backup.BackupError, match="mysql backup"):
        backup.restore(live.url, FolderStore(live.uploads), tmp_path / "backup")

    escaping = {**manifest, "files": {**manifest["files"], "../../outside.txt": "0" * 64}}
    manifest_path.write_text(json.dumps(escaping))
    with pytest.raises(backup.BackupError, match="leaves the upload folder"):
        backup.restore(live.url, FolderStore(live.uploads), tmp_path / "backup")
    assert not (tmp_path / "outside.txt").exists()


def test_a_missing_attachment_file_is_reported_in_the_backup(live: Live, tmp_path: Path) -> None:
    lost = min(live.uploads.iterdir())
    lost.unlink()
    made = backup.backup(live.url, FolderStore(live.uploads), tmp_path / "backup")
    assert made.problems == [f"attachment {lost.name}: file missing in the attachment store"]


def test_the_backup_directory_must_be_new(live: Live, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(live.url, FolderStore(live.uploads), tmp_path / "used")


def _keep_writing(engine: Engine, stop: threading.Event) -> int:
    written = 0
    while not stop.is_set():
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO rate_limit_counters (key, count, window_started_at) "
                    "VALUES (:key, 1, '2026-03-02 09:00:00')"
                ),
                {"key": f"ip:load-{written}"},
            )
        written += 1
    return written


def test_a_sqlite_backup_is_consistent_while_the_app_keeps_writing(tmp_path: Path) -> None:
    with scratch_database("sqlite", tmp_path, "busy") as url:
        engine = make_engine(url)
        stop, result = threading.Event(), []
        writer = threading.Thread(target=lambda: result.append(_keep_writing(engine, stop)))
        writer.start()
        try:
            made = [backup.backup(url, FolderStore(tmp_path / "uploads"), tmp_path / f"backup{n}") for n in range(3)]
        finally:
            stop.set()
            writer.join()
        engine.dispose()
        assert result[0] > 0
        for outcome in made:
            # Each restore re-counts the copy: the manifest's counts are those of the copied snapshot.
            with scratch_database("sqlite", tmp_path, f"restored-{outcome.directory.name}", migrate=False) as target:
                assert (
                    backup.restore(target, FolderStore(tmp_path / "restored-uploads"), outcome.directory).tables
                    == outcome.tables
                )


def test_the_cli_commands_back_up_and_restore(live: Live, tmp_path: Path) -> None:
    from app import create_app

    app = create_app(suite_settings(database_url=live.url, upload_folder=str(live.uploads)))
    runner = app.test_cli_runner()
    with app.app_context():  # the `flask` command pushes one; the bare runner does not
        _backup_and_restore_through_the_cli(runner, tmp_path)


def _backup_and_restore_through_the_cli(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = runner.invoke(args=["backup", "--to", str(tmp_path / "cli-backup")])
    assert made.exit_code == 0, made.output
    assert "Backup written to" in made.output and "files." in made.output

    refused = runner.invoke(args=["restore", "--from", str(tmp_path / "cli-backup")], input="n\n")
    assert refused.exit_code != 0

    restored = runner.invoke(args=["restore", "--from", str(tmp_path / "cli-backup"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Restored and verified" in restored.output

    again = runner.invoke(args=["backup", "--to", str(tmp_path / "cli-backup")])
    assert again.exit_code != 0 and "not empty" in again.output
