"""Where outbound email goes: an SMTP server, or (with no server configured, the quickstart) ``.eml`` files.

A transport sends one built message per call and raises OSError when it could not (smtplib's errors are
OSErrors: a refused connection, a refused recipient, a dropped link), so the outbox can retry.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


@dataclass
class SmtpTransport:
    """One connection for a whole delivery pass, opened at the first message and again after an error."""

    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 30.0
    _connection: smtplib.SMTP | None = field(default=None, init=False, repr=False)

    def send(self, message: EmailMessage) -> None:
        try:
            self._connected().send_message(message)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        try:
            connection.quit()
        except OSError:
            connection.close()

    def _connected(self) -> smtplib.SMTP:
        if self._connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    connection.starttls()
                if self.user:
                    connection.login(self.user, self.password)
            except OSError:
                connection.close()
                raise
            self._connection = connection
        return self._connection


@dataclass
class FileTransport:
    """Each message as ``<folder>/<Message-ID>.eml``: a mail program opens it as it would have arrived.

    Named by the Message-ID, so a message written again after a crash replaces its file rather than adding one.
    """

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_at_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())

    def close(self) -> None:
        return None
