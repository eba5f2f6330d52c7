"""Attachment files, in step with the transaction that records them: in the upload folder, or in an S3 bucket.

A file is written under a temporary name inside the transaction, moved to its stored name only once the
transaction has committed, and removed if it rolls back. A server killed in between leaves at most a
temporary file, which sweep_orphan_files removes (or moves into place, if its row did commit).

The two stores keep that promise each in its own way: the folder writes ``<name>.part`` and renames it; the
bucket writes ``pending/<name>`` and copies it to ``<name>`` inside the bucket (the bytes never pass through the
app twice). The sweep lists only what is temporary in the bucket (``pending/``), never the whole bucket.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from service.errors import NotFound
from service.models import Attachment
from service.models.base import utcnow
from service.store.settings import DeskSettings

log = logging.getLogger(__name__)

_PENDING = "pending_upload_files"
ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class FoundFile:
    """A file the store holds: its stored name, and whether it is still temporary."""

    name: str
    temporary: bool


class AttachmentStore(Protocol):
    def write_pending(self, name: str, data: bytes) -> None:
        """Write the file under a temporary name (nothing claims it until ``keep``)."""
        ...

    def keep(self, name: str) -> None:
        """Give the temporary file its stored name: its row has committed."""
        ...

    def discard(self, name: str) -> None:
        """Remove the temporary file: its transaction rolled back."""
        ...

    def open(self, name: str) -> IO[bytes]:
        """The stored file, open for reading. Raises NotFound when it is not there."""
        ...

    def older_than(self, cutoff: datetime) -> Iterator[FoundFile]:
        """The files the sweep looks at, written before ``cutoff``."""
        ...

    def remove(self, found: FoundFile) -> None: ...

    def stored_names(self) -> Iterator[str]:
        """Every file under its stored name (for a backup; temporary files aside)."""
        ...

    def put(self, name: str, content: IO[bytes]) -> None:
        """Write a file straight under its stored name (for a restore)."""
        ...


class FolderStore:
    """Files in the upload folder, named by their random stored name (``<name>.part`` while temporary)."""

    SUFFIX = ".part"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _temporary(self, name: str) -> Path:
        return self.folder / (name + self.SUFFIX)

    def write_pending(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self._temporary(name), "xb") as handle:
            handle.write(data)

    def keep(self, name: str) -> None:
        # A sweep running alongside may have moved it first.
        with contextlib.suppress(FileNotFoundError):
            self._temporary(name).replace(self.folder / name)

    def discard(self, name: str) -> None:
        self._temporary(name).unlink(missing_ok=True)

    def open(self, name: str) -> IO[bytes]:
        try:
            return open(self.folder / name, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound() from None

    def older_than(self, cutoff: datetime) -> Iterator[FoundFile]:
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                yield FoundFile(path.name.removesuffix(self.SUFFIX), path.name.endswith(self.SUFFIX))

    def remove(self, found: FoundFile) -> None:
        (self._temporary(found.name) if found.temporary else self.folder / found.name).unlink(missing_ok=True)

    def stored_names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            # A symbolic link could point anywhere: never followed.
            if path.is_file() and not path.is_symlink() and not path.name.endswith(self.SUFFIX):
                yield path.name

    def put(self, name: str, content: IO[bytes]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / name, "wb") as handle:
            shutil.copyfileobj(content, handle)


class BucketStore:
    """Objects in an S3-compatible bucket, keyed by their stored name (``pending/<name>`` while temporary)."""

    PENDING = "pending/"

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def write_pending(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.PENDING + name, Body=data)

    def keep(self, name: str) -> None:
        source = {"Bucket": self.bucket, "Key": self.PENDING + name}
        self.client.copy_object(Bucket=self.bucket, Key=name, CopySource=source)
        self.discard(name)

    def discard(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.PENDING + name)

    def open(self, name: str) -> IO[bytes]:
        try:
            body: IO[bytes] = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound() from None
            raise
        return body

    def older_than(self, cutoff: datetime) -> Iterator[FoundFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.PENDING)
        for page in pages:
            for found in page.get("Contents", []):
                if found["LastModified"] < cutoff:
                    yield FoundFile(found["Key"].removeprefix(self.PENDING), temporary=True)

    def remove(self, found: FoundFile) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=(self.PENDING if found.temporary else "") + found.name)

    def stored_names(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for found in page.get("Contents", []):
                if not found["Key"].startswith(self.PENDING):
                    yield found["Key"]

    def put(self, name: str, content: IO[bytes]) -> None:
        self.client.upload_fileobj(content, self.bucket, name)


@functools.cache
def _bucket_store(bucket: str, endpoint_url: str, region: str) -> BucketStore:
    # Imported here: a desk on the upload folder never pays boto3's start-up time (a fifth of a second).
    import boto3

    # A session of its own: boto3's default one is not safe to share between threads.
    client = boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
    return BucketStore(client, bucket)


def attachment_store(settings: DeskSettings) -> AttachmentStore:
    """The store the settings name: the upload folder, or the S3 bucket (one client per process)."""
    if settings.attachment_storage == "s3":
        return _bucket_store(settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region)
    return FolderStore(settings.upload_folder)


def write_pending(session: Session, settings: DeskSettings, data: bytes) -> str:
    """Write a file under a temporary name that the session's transaction keeps or removes; returns its stored name."""
    store = attachment_store(settings)
    stored_name = secrets.token_hex(16)
    session.info.setdefault(_PENDING, []).append((store, stored_name))
    store.write_pending(stored_name, data)
    return stored_name


def install(sessions: sessionmaker[Session]) -> None:
    """Keep or remove the files written in the transactions of the sessions this factory makes (idempotent)."""
    for name, listener in (("after_commit", _keep_files), ("after_transaction_end", _discard_files)):
        if not event.contains(sessions, name, listener):
            event.listen(sessions, name, listener)


def _keep_files(session: Session) -> None:
    for store, name in session.info.pop(_PENDING, []):
        try:
            store.keep(name)
        except (OSError, BotoCoreError, ClientError) as error:
            # The row has committed: the sweep moves the file into place within the hour.
            log.warning("attachment file %s stays temporary until the sweep: %s", name, error)


def _discard_files(session: Session, transaction: SessionTransaction) -> None:
    # Reached with files still pending only when the outermost transaction ended without commit.
    if transaction.parent is None and not transaction.nested:
        for store, name in session.info.pop(_PENDING, []):
            store.discard(name)


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
    store = attachment_store(settings)
    old = list(store.older_than((now or utcnow()) - ORPHAN_AGE))
    if not old:
        return SweptFiles(removed=0, completed=0)
    names = {found.name for found in old}
    known = set(session.scalars(select(Attachment.stored_name).where(Attachment.stored_name.in_(names))))
    removed = completed = 0
    for found in old:
        if found.name not in known:
            store.remove(found)
            removed += 1
        elif found.temporary:
            store.keep(found.name)
            completed += 1
    return SweptFiles(removed=removed, completed=completed)


def open_stored(attachment: Attachment, settings: DeskSettings) -> IO[bytes]:
    """The attachment's file, open for reading. Raises NotFound when it is missing from the store."""
    return attachment_store(settings).open(attachment.stored_name)
