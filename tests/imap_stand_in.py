"""A stand-in for imaplib's IMAP4_SSL client, holding one mailbox in memory: the calls the desk makes, answered
in imaplib's own shapes (status and data lists, FETCH's (envelope, bytes) pairs, IMAP4.error for a refused
login), so the code under test runs unchanged against it (monkeypatched over imaplib.IMAP4_SSL)."""

from __future__ import annotations

import imaplib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mailbox:
    user: str = "desk@example.gov.cn"
    password: str = "imap-secret"
    folders: dict[str, dict[int, tuple[bytes, set[str]]]] = field(default_factory=lambda: {"INBOX": {}})
    logins: int = 0

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        messages = self.folders[folder]
        uid = max(messages, default=0) + 1
        messages[uid] = (raw, set())
        return uid

    def seen(self, folder: str = "INBOX") -> list[int]:
        return sorted(uid for uid, (_raw, flags) in self.folders[folder].items() if r"\Seen" in flags)


class StandInImap:
    mailbox = Mailbox()

    def __init__(self, host: str = "", port: int = 993, *, ssl_context: Any = None, timeout: float | None = None):
        self.host, self.port = host, port
        self.selected: dict[int, tuple[bytes, set[str]]] | None = None

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        if (user, password) != (self.mailbox.user, self.mailbox.password):
            raise imaplib.IMAP4.error(b"[AUTHENTICATIONFAILED] Authentication failed.")
        self.mailbox.logins += 1
        return "OK", [b"LOGIN completed"]

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> tuple[str, list[bytes]]:
        if mailbox not in self.mailbox.folders:
            return "NO", [b"[NONEXISTENT] Unknown Mailbox: " + mailbox.encode()]
        self.selected = self.mailbox.folders[mailbox]
        return "OK", [str(len(self.selected)).encode()]

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        assert self.selected is not None, "imaplib refuses UID commands before SELECT"
        name = command.upper()
        if name == "SEARCH":
            assert args[1:] == ("UNSEEN",)
            unseen = [str(uid) for uid, (_raw, flags) in sorted(self.selected.items()) if r"\Seen" not in flags]
            return "OK", [" ".join(unseen).encode()]
        uid = int(args[0])
        if name == "FETCH":
            assert "BODY.PEEK[]" in args[1]  # fetching must not mark the message seen
            if uid not in self.selected:
                return "OK", [None]
            raw = self.selected[uid][0]
            return "OK", [(f"{uid} (UID {uid} BODY[] {{{len(raw)}}}".encode(), raw), b")"]
        if name == "STORE":
            assert args[1:] == ("+FLAGS", r"(\Seen)")
            self.selected[uid][1].add(r"\Seen")
            return "OK", [f"{uid} (UID {uid} FLAGS (\\Seen))".encode()]
        raise imaplib.IMAP4.error(f"UID command {command} not supported by the stand-in")

    def logout(self) -> tuple[str, list[bytes]]:
        return "BYE", [b"Logging out"]
