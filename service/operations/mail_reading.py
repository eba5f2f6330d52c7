"""Reading one inbound mail (RFC 822 bytes) into what the desk needs: who sent it, what it answers, the new
text and the files.

Chinese mail programs label GBK text "gb2312" (a subset), so every GB label is decoded as GB18030, the
superset. Python's parser accepts nearly anything and lists what it could not make sense of as defects; the
defects that mean a part was lost or cut (no boundary, a truncated multipart, broken base64) refuse the mail,
so that a reply is never stored with half of its text or a damaged file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors, message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from service.errors import N_
from service.operations.attachments import Upload
from service.rules.mail_text import html_to_text, reply_text

# Defects after which a part of the mail is missing or damaged.
_BROKEN = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
    errors.MissingHeaderBodySeparatorDefect,
)
_GB_CHARSETS = {"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "x-euc-cn", "hz-gb-2312"}
_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
MALFORMED = N_("The mail could not be read: %(detail)s.")


class MalformedMail(Exception):
    """The mail cannot be read whole; ``partial`` holds what could be read of its headers (for the log and the
    answer to the sender)."""

    def __init__(self, detail: str, partial: ReceivedMail) -> None:
        super().__init__(detail)
        self.detail = detail
        self.partial = partial


@dataclass(frozen=True)
class ReceivedMail:
    message_id: str
    sender: str
    sender_name: str = ""
    subject: str = ""
    # The Message-IDs it answers (In-Reply-To first, then References from the newest), and where it was sent.
    answers: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    text: str = ""
    uploads: tuple[Upload, ...] = field(default=())
    # Mail written by a program (an auto-reply, a bounce, a list): never answered, so that two robots cannot
    # mail each other forever (RFC 3834).
    automatic: bool = False


def read_mail(raw: bytes) -> ReceivedMail:
    """Raises MalformedMail when the mail is not whole, or has no sender."""
    message = message_from_bytes(raw, policy=policy.default)
    partial = _headers(message, raw)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MalformedMail("no mail headers", partial)
    broken = [d for part in message.walk() for d in part.defects if isinstance(d, _BROKEN)]
    if broken:
        raise MalformedMail(type(broken[0]).__name__, partial)
    if not partial.sender:
        raise MalformedMail("no sender", partial)
    try:
        text, uploads = _contents(message)
    except (errors.MessageError, LookupError, ValueError, AttributeError, TypeError, AssertionError) as error:
        raise MalformedMail(f"{type(error).__name__}: {error}"[:200], partial) from None
    return ReceivedMail(
        message_id=partial.message_id,
        sender=partial.sender,
        sender_name=partial.sender_name,
        subject=partial.subject,
        answers=partial.answers,
        recipients=partial.recipients,
        text=reply_text(text),
        uploads=tuple(uploads),
        automatic=partial.automatic,
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    # The header registry trips over some broken headers with errors of its own making (a Group read as a
    # mailbox); such a header is as good as absent.
    except (errors.MessageError, LookupError, ValueError, AttributeError, TypeError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _headers(message: Message, raw: bytes) -> ReceivedMail:
    """What the headers say, as far as they can be read. A mail without a Message-ID is known by its content's
    hash, so the same bytes delivered twice are still one mail."""
    message_id = _MESSAGE_IDS.findall(_header(message, "Message-ID"))
    name, sender = parseaddr(_header(message, "From"))
    answers = _MESSAGE_IDS.findall(_header(message, "In-Reply-To"))
    answers += reversed(_MESSAGE_IDS.findall(_header(message, "References")))
    recipients = [
        address.lower()
        for _name, address in getaddresses(
            [_header(message, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")]
        )
        if "@" in address
    ]
    auto_submitted = _header(message, "Auto-Submitted").lower()
    precedence = _header(message, "Precedence").lower()
    automatic = (
        auto_submitted not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(_header(message, "List-Id"))
        or sender.lower().split("@")[0] in ("mailer-daemon", "postmaster")
    )
    return ReceivedMail(
        message_id=(message_id[0] if message_id else f"<{hashlib.sha256(raw).hexdigest()}@inbound>")[:255],
        sender=sender.strip().lower() if "@" in sender else "",
        sender_name=name.strip()[:120],
        subject=_header(message, "Subject")[:255],
        answers=tuple(dict.fromkeys(answers)),
        recipients=tuple(dict.fromkeys(recipients)),
        automatic=automatic,
    )


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = (part.get_content_charset() or "utf-8").lower()
    if charset in _GB_CHARSETS:
        charset = "gb18030"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _contents(message: EmailMessage) -> tuple[str, list[Upload]]:
    """The body's text (the plain part, else the HTML one as text) and every file: attachments and inline
    images alike (a picture pasted into the reply is part of what was said)."""
    plain: str | None = None
    html: str | None = None
    uploads: list[Upload] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        if (
            filename
            or disposition == "attachment"
            or part.get("Content-ID")
            or part.get_content_maintype()
            in (
                "image",
                "application",
                "audio",
                "video",
            )
        ):
            payload = part.get_payload(decode=True)
            uploads.append(
                Upload(
                    filename=filename or _name_for(content_type, len(uploads) + 1),
                    content_type=content_type,
                    data=payload if isinstance(payload, bytes) else b"",
                )
            )
        elif content_type == "text/plain" and plain is None:
            plain = _text_of(part)
        elif content_type == "text/html" and html is None:
            html = _text_of(part)
    if plain is not None and plain.strip():
        return plain, uploads
    return html_to_text(html or ""), uploads


def _name_for(content_type: str, number: int) -> str:
    """A name for an inline image that came without one (``image-1.png``)."""
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"{content_type.split('/')[0]}-{number}{extension}"


def sender_address(mail: ReceivedMail) -> Address | None:
    """The sender as an address to answer, or None when it cannot be one."""
    try:
        return Address(display_name=mail.sender_name, addr_spec=mail.sender)
    except (errors.HeaderParseError, ValueError, IndexError):
        return None
