"""Attachment files on disk, in step with the transaction that records them.

A file is written under a temporary name inside the transaction, moved to its
stored name only once the transaction has committed, and removed if it rolls
back. A server killed in between leaves at most a temporary file, which
sweep_orphan_files removes (or moves into place, if its row did commit).
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from service.models import Attachment
from service.models.base import utcnow
from service.store.settings import DeskSettings

_PENDING = "pending_upload_files"
_TEMPORARY_SUFFIX = ".part"
ORPHAN_AGE = timedelta(hours=1)


def _temporary_path(path: Path) -> Path:
    return path.with_name(path.name + _TEMPORARY_SUFFIX)


def _stored_path(temporary: Path) -> Path:
    return temporary.with_name(temporary.name.removesuffix(_TEMPORARY_SUFFIX))


def write_pending(session: Session, settings: DeskSettings, data: bytes) -> str:
    """Write a file under a temporary name that the session's transaction keeps or removes; returns its stored name."""
    folder = Path(settings.upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = _temporary_path(folder / stored_name)
    _track(session, path)
    with open(path, "xb") as handle:
        handle.write(data)
    return stored_name


def _track(session: Session, path: Path) -> None:
    session.info.setdefault(_PENDING, []).append(path)


def install(sessions: sessionmaker[Session]) -> None:
    """Keep or remove the files written in the transactions of the sessions this factory makes (idempotent)."""
    for name, listener in (("after_commit", _keep_files), ("after_transaction_end", _discard_files)):
        if not event.contains(sessions, name, listener):
            event.listen(sessions, name, listener)


def _keep_files(session: Session) -> None:
    for temporary in session.info.pop(_PENDING, []):
        temporary.replace(_stored_path(temporary))


def _discard_files(session: Session, transaction: SessionTransaction) -> None:
    # Reached with files still pending only when the outermost transaction ended without commit.
    if transaction.parent is None and not transaction.nested:
        for path in session.info.pop(_PENDING, []):
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SweptFiles:
    removed: int
    completed: int


def sweep_orphan_files(session: Session, settings: DeskSettings, now: datetime | None = None) -> SweptFiles:
    """Remove upload files older than ORPHAN_AGE that no attachment row names (idempotent).

    Younger files are left alone: their transaction may still be running. A
    temporary file whose row did commit (the server died before moving it)
    is moved into place instead.
    """
    folder = Path(settings.upload_folder)
    cutoff = ((now or utcnow()) - ORPHAN_AGE).timestamp()
    old = (
        [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff]
        if folder.is_dir()
        else []
    )
    if not old:
        return SweptFiles(removed=0, completed=0)
    names = {_stored_path(path).name for path in old}
    known = set(session.scalars(select(Attachment.stored_name).where(Attachment.stored_name.in_(names))))
    removed = completed = 0
    for path in old:
        stored = _stored_path(path)
        if stored.name not in known:
            path.unlink(missing_ok=True)
            removed += 1
        elif stored != path:
            with contextlib.suppress(FileNotFoundError):  # a sweep running alongside moved it first
                path.replace(stored)
                completed += 1
    return SweptFiles(removed=removed, completed=completed)


def attachment_path(attachment: Attachment, settings: DeskSettings) -> Path:
    return Path(settings.upload_folder) / attachment.stored_name
