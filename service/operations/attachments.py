"""Uploaded files: checked by name and by content, stored under random names, served through the policy.

The files on disk follow the transaction that records them (service.infrastructure.attachment_files).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO

from sqlalchemy.orm import Session

from service.errors import N_, NotFound, ValidationError
from service.infrastructure import attachment_files
from service.models import Attachment, Message, Role, ServiceRequest, User
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.loading import load
from service.store.settings import DeskSettings

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_MARKUP = ("<!doctype html", "<html", "<svg", "<?xml", "<script", "<head", "<body", "<iframe")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _is_gif(data: bytes) -> bool:
    return data.startswith((b"GIF87a", b"GIF89a"))


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _is_ole2(data: bytes) -> bool:
    return data.startswith(OLE2)


def _zip_names(data: bytes) -> list[str] | None:
    if not data.startswith(ZIP_MAGICS):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _is_zip(data: bytes) -> bool:
    return _zip_names(data) is not None


def _office_open_xml(folder: str) -> Callable[[bytes], bool]:
    """A .docx/.xlsx/.pptx is a ZIP holding a content-types part and its own folder."""

    def check(data: bytes) -> bool:
        names = _zip_names(data)
        return names is not None and "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Browsers that ignore the download disposition sniff markup; plain text has none.
        return not text.lstrip()[:64].lower().startswith(_MARKUP)
    return False


# extension -> (content type we serve it as, content check)
ALLOWED = {
    ".pdf": ("application/pdf", _is_pdf),
    ".doc": ("application/msword", _is_ole2),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _office_open_xml("word/")),
    ".xls": ("application/vnd.ms-excel", _is_ole2),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office_open_xml("xl/")),
    ".ppt": ("application/vnd.ms-powerpoint", _is_ole2),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _office_open_xml("ppt/")),
    ".png": ("image/png", _is_png),
    ".jpg": ("image/jpeg", _is_jpeg),
    ".jpeg": ("image/jpeg", _is_jpeg),
    ".gif": ("image/gif", _is_gif),
    ".webp": ("image/webp", _is_webp),
    ".zip": ("application/zip", _is_zip),
    ".txt": ("text/plain; charset=utf-8", _is_text),
    ".csv": ("text/csv; charset=utf-8", _is_text),
}


# Shown beside every file input, so the limits are known before a file is refused.
UPLOAD_LIMITS = N_(
    "PDF, Word, Excel, PowerPoint, images (PNG, JPEG, GIF, WebP), ZIP or text files; "
    "at most %(count)s files at a time, each up to %(limit)s MB."
)


def size_limit_mb(settings: DeskSettings) -> float:
    return round(settings.max_attachment_bytes / (1024 * 1024), 1)


def sanitize_filename(raw: str) -> str:
    """The name to show: no directories, no control or direction characters, at most 255 characters."""
    name = raw.replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip().lstrip(".").strip()
    if not name:
        return "attachment"
    suffix = PurePosixPath(name).suffix
    if len(name) > 255:
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: 255 - len(suffix)] + suffix
    return name


@dataclass(frozen=True)
class _Checked:
    name: str
    content_type: str
    data: bytes


def _refuse(message: str, **params: object) -> ValidationError:
    return ValidationError(message, fields={"attachments": message}, **params)


def check_uploads(uploads: Sequence[Upload], settings: DeskSettings) -> list[_Checked]:
    """Raise ValidationError naming the first refused file and why; nothing is stored."""
    if len(uploads) > settings.max_attachments:
        raise _refuse(N_("Attach at most %(count)s files at a time."), count=settings.max_attachments)
    checked = []
    for upload in uploads:
        name = sanitize_filename(upload.filename)
        allowed = ALLOWED.get(PurePosixPath(name).suffix.lower())
        if allowed is None:
            raise _refuse(
                N_(
                    "%(name)s: this type of file is not accepted. Attach PDF, Word, Excel, PowerPoint, "
                    "images (PNG, JPEG, GIF, WebP), ZIP or text files."
                ),
                name=name,
            )
        if not upload.data:
            raise _refuse(N_("%(name)s is empty."), name=name)
        if len(upload.data) > settings.max_attachment_bytes:
            raise _refuse(
                N_("%(name)s is larger than the limit of %(limit)s MB."), name=name, limit=size_limit_mb(settings)
            )
        content_type, looks_right = allowed
        if not looks_right(upload.data):
            raise _refuse(N_("%(name)s: the content of the file does not match its type."), name=name)
        checked.append(_Checked(name, content_type, upload.data))
    return checked


def store_uploads(
    session: Session,
    actor: User,
    request: ServiceRequest,
    uploads: Sequence[Upload],
    settings: DeskSettings,
    now: datetime,
    message: Message | None = None,
    internal: bool = False,
) -> list[Attachment]:
    """Check and store files, stamped ``now`` (the moment of the step they come with), inside the caller's
    transaction. Raises ValidationError before writing anything."""
    checked = check_uploads(uploads, settings)
    if not checked:
        return []
    stored = []
    for item in checked:
        stored_name = attachment_files.write_pending(session, settings, item.data)
        attachment = Attachment(
            request_id=request.id,
            message_id=message.id if message else None,
            uploader_id=actor.id,
            original_name=item.name,
            stored_name=stored_name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
            internal=internal,
            created_at=now,
        )
        session.add(attachment)
        stored.append(attachment)
    session.flush()
    return stored


def attachment_for_download(
    session: Session, actor: User, attachment_id: int, *, settings: DeskSettings
) -> tuple[Attachment, IO[bytes]]:
    """The attachment and its file, open for reading (the caller closes it), for a user who may see it.

    Raises NotFound outside the actor's scope, for an internal attachment
    asked for by an enterprise, and for a file missing from the store.
    """
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    request = load(session, actor, ServiceRequest, attachment.request_id, PolicyAction.REQUEST_VIEW)
    if attachment.internal and (
        actor.role == Role.ENTERPRISE or not policy.may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, request)
    ):
        raise NotFound()
    return attachment, attachment_files.open_stored(attachment, settings)
