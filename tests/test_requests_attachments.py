"""Uploads: allowlist by name and content, limits, safe names and storage, nothing saved on refusal."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.errors import NotFound, ValidationError
from service.infrastructure.attachment_files import SweptFiles, sweep_orphan_files
from service.models import Attachment, Event, Message
from service.operations.attachments import Upload, attachment_for_download, sanitize_filename, store_uploads
from service.operations.requests import add_message
from tests.factories import People
from tests.request_helpers import PDF, PNG, TUESDAY_10, submit


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
PPTX = _zip("[Content_Types].xml", "ppt/presentation.xml")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
GOOD = [
    ("报告.pdf", PDF, "application/pdf"),
    ("a.doc", OLE, "application/msword"),
    ("a.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.xls", OLE, "application/vnd.ms-excel"),
    ("a.XLSX", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("a.ppt", OLE, "application/vnd.ms-powerpoint"),
    ("a.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("a.png", PNG, "image/png"),
    ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
    ("a.jpeg", b"\xff\xd8\xff\xe1" + b"\x00" * 16, "image/jpeg"),
    ("a.gif", b"GIF89a" + b"\x00" * 16, "image/gif"),
    ("a.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    ("a.zip", _zip("readme.txt"), "application/zip"),
    ("说明.txt", "检验报告说明".encode(), "text/plain; charset=utf-8"),
    ("gbk.txt", "检验报告说明".encode("gb18030"), "text/plain; charset=utf-8"),
    ("data.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8"),
]


@pytest.mark.parametrize(("name", "data", "content_type"), GOOD, ids=[g[0] for g in GOOD])
def test_allowed_types_are_stored_with_the_detected_type(
    session, people: People, settings, name, data, content_type
) -> None:
    request = submit(session, people, settings, uploads=(Upload(name, "application/x-anything", data),))
    stored = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    # Filed when the request was (the timeline shows the file at that moment, however late the step is recorded).
    assert stored.created_at == request.created_at == TUESDAY_10
    assert stored.content_type == content_type
    assert stored.original_name == name
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    path = Path(settings.upload_folder) / stored.stored_name
    assert path.read_bytes() == data
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)  # nothing of the client's name reaches the disk


REFUSED = [
    ("page.html", b"<html><script>alert(1)</script></html>", "not accepted"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not accepted"),
    ("run.exe", b"MZ\x90\x00", "not accepted"),
    ("run.js", b"alert(1)", "not accepted"),
    ("report.pdf.exe", PDF, "not accepted"),
    ("noextension", PDF, "not accepted"),
    ("fake.pdf", b"MZ\x90\x00 this is an executable", "does not match"),
    ("fake.png", PDF, "does not match"),
    ("plain.docx", _zip("document.xml"), "does not match"),
    ("sheet.docx", XLSX, "does not match"),
    ("broken.zip", b"PK\x03\x04 not really a zip", "does not match"),
    ("binary.txt", b"abc\x00def", "does not match"),
    ("markup.txt", b"  <!DOCTYPE html><html></html>", "does not match"),
    ("svg.txt", b"<svg onload='x'/>", "does not match"),
    ("latin1.txt", b"\xff\xfe\xfa\xfb\x80", "does not match"),
    ("empty.pdf", b"", "is empty"),
]


@pytest.mark.parametrize(("name", "data", "why"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files_name_the_file_and_save_nothing(session, people: People, settings, name, data, why) -> None:
    request = submit(session, people, settings)
    events_before = session.scalar(select(func.count(Event.id)).where(Event.request_id == request.id))
    with pytest.raises(ValidationError) as refused:
        add_message(
            session,
            people.owner,
            request.id,
            "附件见下",
            uploads=(Upload(name, "application/pdf", data),),
            settings=settings,
        )
    message = str(refused.value)
    assert why in message and sanitize_filename(name) in message
    assert "attachments" in refused.value.fields
    assert session.scalar(select(func.count(Message.id)).where(Message.request_id == request.id)) == 0
    assert session.scalar(select(func.count(Attachment.id)).where(Attachment.request_id == request.id)) == 0
    assert session.scalar(select(func.count(Event.id)).where(Event.request_id == request.id)) == events_before
    assert not Path(settings.upload_folder).exists() or not any(Path(settings.upload_folder).iterdir())


def test_oversize_and_too_many_are_refused(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    big = PDF + b"0" * settings.max_attachment_bytes
    with pytest.raises(ValidationError, match="larger than the limit"):
        add_message(
            session, people.owner, request.id, "大文件", uploads=(Upload("big.pdf", "", big),), settings=settings
        )
    many = tuple(Upload(f"{n}.pdf", "", PDF) for n in range(settings.max_attachments + 1))
    with pytest.raises(ValidationError, match="at most"):
        add_message(session, people.owner, request.id, "多个文件", uploads=many, settings=settings)
    assert session.scalar(select(func.count(Message.id)).where(Message.request_id == request.id)) == 0


def test_one_bad_file_among_good_ones_stores_none_of_them(session, people: People, settings) -> None:
    with pytest.raises(ValidationError, match=r"evil\.svg"):
        submit(session, people, settings, uploads=(Upload("ok.pdf", "", PDF), Upload("evil.svg", "", b"<svg/>")))
    assert session.scalar(select(func.count(Attachment.id))) == 0
    assert not Path(settings.upload_folder).exists() or not any(Path(settings.upload_folder).iterdir())


def test_failed_transaction_leaves_no_orphan_file(session, people: People, settings, monkeypatch) -> None:
    request = submit(session, people, settings)
    from service.operations import requests as operations

    def explode(*_args, **_kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(operations.notifications, "notify", explode)
    with pytest.raises(RuntimeError):
        add_message(session, people.staff, request.id, "答复", uploads=(Upload("a.pdf", "", PDF),), settings=settings)
    assert session.scalar(select(func.count(Attachment.id)).where(Attachment.request_id == request.id)) == 0
    assert not any(Path(settings.upload_folder).iterdir())


def test_committed_files_stay(session, people: People, settings) -> None:
    request = submit(session, people, settings, uploads=(Upload("a.pdf", "", PDF),))
    add_message(session, people.staff, request.id, "答复", uploads=(Upload("b.png", "", PNG),), settings=settings)
    assert len(list(Path(settings.upload_folder).iterdir())) == 2
    assert request.id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\报告.pdf", "报告.pdf"),
        ("..\\..\\win.ini.txt", "win.ini.txt"),
        ("a\x00b\x1f\u202eexe.pdf", "abexe.pdf"),
        ("   .hidden.pdf", "hidden.pdf"),
        ("../", "attachment"),
    ],
)
def test_names_lose_directories_and_control_characters(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = sanitize_filename("长" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


def test_traversal_name_is_stored_inside_the_upload_folder(session, people: People, settings) -> None:
    request = submit(session, people, settings, uploads=(Upload("../../../outside.pdf", "", PDF),))
    stored = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    assert stored.original_name == "outside.pdf"
    files = list(Path(settings.upload_folder).iterdir())
    assert [f.name for f in files] == [stored.stored_name]
    assert not (Path(settings.upload_folder).parent.parent / "outside.pdf").exists()


def test_download_follows_the_request_scope_and_hides_internal_files(session, people: People, settings) -> None:
    request = submit(session, people, settings, uploads=(Upload("a.pdf", "", PDF),))
    public = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    add_message(
        session,
        people.staff,
        request.id,
        "内部核查记录",
        internal=True,
        uploads=(Upload("internal.pdf", "", PDF),),
        settings=settings,
    )
    internal = session.scalars(select(Attachment).where(Attachment.internal.is_(True))).one()
    attachment, content = attachment_for_download(session, people.colleague, public.id, settings=settings)
    with content:
        assert attachment.id == public.id and content.read() == PDF
    for outsider in (people.other_enterprise, people.other_staff):
        with pytest.raises(NotFound):
            attachment_for_download(session, outsider, public.id, settings=settings)
    with pytest.raises(NotFound):
        attachment_for_download(session, people.owner, internal.id, settings=settings)
    for insider in (people.staff, people.hub_staff, people.hub_director):
        found, content = attachment_for_download(session, insider, internal.id, settings=settings)
        content.close()
        assert found.id == internal.id
    with pytest.raises(NotFound):
        attachment_for_download(session, people.staff, 10**9, settings=settings)


def test_an_upload_gets_its_stored_name_only_once_its_row_is_committed(session, people: People, settings) -> None:
    request = submit(session, people, settings)
    folder = Path(settings.upload_folder)
    [attachment] = store_uploads(session, people.owner, request, (Upload("a.pdf", "", PDF),), settings, TUESDAY_10)
    # A server killed here leaves no file under a name a row could claim, only a temporary one.
    assert not (folder / attachment.stored_name).exists()
    assert [path.name for path in folder.iterdir()] == [attachment.stored_name + ".part"]
    session.commit()
    assert [path.name for path in folder.iterdir()] == [attachment.stored_name]
    assert (folder / attachment.stored_name).read_bytes() == PDF


def _aged(path: Path, data: bytes, age: timedelta) -> Path:
    path.write_bytes(data)
    stamp = (datetime.now(UTC) - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_sweep_removes_orphan_files_older_than_an_hour_and_nothing_else(session, people: People, settings) -> None:
    request = submit(session, people, settings, uploads=(Upload("kept.pdf", "", PDF), Upload("late.pdf", "", PDF)))
    kept, late = session.scalars(
        select(Attachment).where(Attachment.request_id == request.id).order_by(Attachment.original_name)
    ).all()
    folder = Path(settings.upload_folder)
    _aged(folder / kept.stored_name, PDF, timedelta(days=3))
    # The server died between the commit and the move: the row exists, its file is still temporary.
    (folder / late.stored_name).unlink()
    _aged(folder / (late.stored_name + ".part"), PDF, timedelta(hours=2))
    old_orphan = _aged(folder / "0123abcd", PDF, timedelta(hours=1, minutes=1))
    old_temporary = _aged(folder / "4567ef01.part", PDF, timedelta(hours=5))
    fresh_orphan = _aged(folder / "89abcdef.part", PDF, timedelta(minutes=59))

    swept = sweep_orphan_files(session, settings)

    assert (swept.removed, swept.completed) == (2, 1)
    assert not old_orphan.exists() and not old_temporary.exists()
    assert fresh_orphan.exists()
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [kept.stored_name, late.stored_name, fresh_orphan.name]
    )
    assert sweep_orphan_files(session, settings) == SweptFiles(removed=0, completed=0)
