"""An IMAP mailbox that inbound mail is read from (``flask receive-mail --imap``, and the job every minute).

The unseen messages of one folder are fetched without marking them (BODY.PEEK), handed over one at a time, and
marked \\Seen only once handled (stored, refused or found a duplicate): a pass that stops half-way (the database
down, the process killed) leaves the rest unseen for the next pass, and a message handled twice is logged as a
duplicate, not stored twice.
"""

from __future__ import annotations

import contextlib
import imaplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_SEEN = r"(\Seen)"


class ImapError(OSError):
    """The server refused a command (a wrong password, a missing folder)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    ssl: bool = True
    timeout: float = 60.0


@dataclass(frozen=True)
class PollReport:
    handled: int
    left: int


Connect = Callable[[ImapSettings], Any]


def connect(settings: ImapSettings) -> imaplib.IMAP4:
    if settings.ssl:
        return imaplib.IMAP4_SSL(settings.host, settings.port, timeout=settings.timeout)
    return imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)


def _ok(answer: tuple[str, list[Any]], command: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise ImapError(f"IMAP {command} refused: {data!r}"[:300])
    return data


def poll_mailbox(
    settings: ImapSettings, handle: Callable[[bytes], object], *, opener: Connect = connect, limit: int = 200
) -> PollReport:
    """Hand each unseen message of the folder (at most ``limit``) to ``handle``, marking it seen once handled.

    An exception from ``handle`` stops the pass with that message still unseen, and is raised.
    """
    try:
        return _poll(opener(settings), settings, handle, limit)
    except imaplib.IMAP4.error as error:
        # imaplib raises its own error (not an OSError) for a refused login or a broken answer.
        raise ImapError(f"IMAP: {error}"[:300]) from error


def _poll(client: Any, settings: ImapSettings, handle: Callable[[bytes], object], limit: int) -> PollReport:
    try:
        _ok(client.login(settings.user, settings.password), "LOGIN")
        _ok(client.select(settings.folder), "SELECT")
        found = _ok(client.uid("SEARCH", None, "UNSEEN"), "SEARCH")
        uids = found[0].split() if found and found[0] else []
        handled = 0
        for uid in uids[:limit]:
            raw = _message(_ok(client.uid("FETCH", uid, "(UID BODY.PEEK[])"), "FETCH"))
            if raw is not None:
                handle(raw)
            _ok(client.uid("STORE", uid, "+FLAGS", _SEEN), "STORE")
            handled += 1
        return PollReport(handled=handled, left=len(uids) - handled)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _message(data: list[Any]) -> bytes | None:
    """The message's bytes in a FETCH answer: ``[(b'1 (UID 7 BODY[] {1234}', b'...'), b')']``."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None
