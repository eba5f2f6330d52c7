"""Hostile uploads: refused, or stored under a random name inside the upload folder and only ever served
as a sandboxed download."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Attachment, Message
from tests.conftest import change_settings
from tests.security.probe import Prober
from tests.security.world import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CHINESE_300 = "医疗器械注册申报资料" * 30 + ".pdf"

REFUSED = [
    ("report.pdf.exe", b"MZ\x90\x00 executable"),
    ("shell.php", b"<?php system($_GET['c']); ?>"),
    ("x.php.png", b"<?php system($_GET['c']); ?>"),
    ("not-a-pdf.pdf", PNG),
    ("page.html", b"<!doctype html><script>alert(1)</script>"),
    ("page.htm", b"<html><body onload=alert(1)>"),
    ("notes.txt", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("empty.pdf", b""),
    ("archive.zip", b"PK\x03\x04 not really a zip"),
]
STORED = [
    ("../../../../etc/passwd.pdf", PDF, "passwd.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", PDF, "evil.pdf"),
    ("/absolute/path/report.pdf", PDF, "report.pdf"),
    ("x.php.png", PNG, "x.php.png"),
    ("\u202eexe.pdf", PDF, "exe.pdf"),
    ("null\x00byte.pdf", PDF, "nullbyte.pdf"),
    (CHINESE_300, PDF, CHINESE_300[:251] + ".pdf"),
]


def _reply(prober: Prober, world: World, files: list[tuple[str, bytes]], role: str = "enterprise_a"):  # type: ignore[no-untyped-def]
    client = prober.clients[role]
    path = (
        f"/portal/requests/{world.request.id}/messages"
        if role.startswith("enterprise")
        else f"/desk/requests/{world.request.id}/messages"
    )
    data = {
        "csrf_token": prober.tokens[role],
        "body": "附件见附",
        "visibility": "public",
        "attachments": [(io.BytesIO(content), name) for name, content in files],
    }
    return client.post(path, data=data, content_type="multipart/form-data", headers={"Accept-Language": "en"})


def _shown(prober: Prober, response, role: str = "enterprise_a") -> str:  # type: ignore[no-untyped-def]
    """A refused reply goes back to the request's page (post/redirect/get): that page as the user sees it."""
    assert response.status_code == 302, response.status_code
    return prober.clients[role].get(response.location, headers={"Accept-Language": "en"}).get_data(as_text=True)


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Attachment)) or 0,
        session.scalar(select(func.count()).select_from(Message)) or 0,
    )


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("name", "content"), REFUSED, ids=[n for n, _ in REFUSED])
def test_dangerous_or_mislabelled_files_are_refused_and_nothing_is_saved(
    web: Flask, prober: Prober, world: World, session: Session, name: str, content: bytes
) -> None:
    folder = Path(web.extensions["settings"].upload_folder)
    before, files_before = _counts(session), _files_under(folder)

    response = _reply(prober, world, [(name, content)])

    page = _shown(prober, response)
    assert "not accepted" in page or "does not match its type" in page or "is empty" in page
    assert _counts(session) == before, "a refused file leaves no message and no attachment"
    assert _files_under(folder) == files_before


def test_one_bad_file_among_good_ones_saves_none_of_them(prober: Prober, world: World, session: Session) -> None:
    before = _counts(session)
    response = _reply(prober, world, [("good.pdf", PDF), ("bad.pdf.exe", b"MZ")])
    assert "bad.pdf.exe: this type of file is not accepted." in _shown(prober, response)
    assert _counts(session) == before


def test_hostile_names_are_stored_safely_inside_the_upload_folder(
    web: Flask, prober: Prober, world: World, session: Session, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = Path(web.extensions["settings"].upload_folder).resolve()
    watched = [tmp_path_factory.getbasetemp(), Path.cwd()]
    before = {root: _files_under(root) for root in watched}

    for name, content, _ in STORED:
        response = _reply(prober, world, [(name, content)])
        assert response.status_code == 302, (name, response.status_code)

    session.expire_all()
    rows = session.scalars(select(Attachment).where(Attachment.id != world.attachment.id).order_by(Attachment.id)).all()
    assert len(rows) == len(STORED)
    for row, (_, _, shown) in zip(rows, STORED, strict=True):
        # The browser's path is gone (some parsers drop backslashes before the app sees them).
        assert row.original_name.endswith(shown[-12:]) and not {"/", "\\", "\x00", "\u202e"} & set(row.original_name)
        assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
        assert (folder / row.stored_name).is_file()
        assert len(row.original_name) <= 255
    stored = {folder / r.stored_name for r in rows}
    for root in watched:
        created = {p.resolve() for p in _files_under(root) - before[root]}
        assert created <= stored, f"files written outside the upload folder: {created - stored}"


def _assert_download_only(response, content: bytes) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].split(";")[0] == "sandbox"
    assert "html" not in response.headers["Content-Type"] and "svg" not in response.headers["Content-Type"]


def test_every_download_route_serves_a_sandboxed_attachment(
    web: Flask, prober: Prober, world: World, session: Session
) -> None:
    for name, content, _ in STORED:
        _reply(prober, world, [(name, content)])
    session.expire_all()
    rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert len(rows) == len(STORED) + 1
    for row in rows:
        content = (Path(web.extensions["settings"].upload_folder) / row.stored_name).read_bytes()
        _assert_download_only(prober.clients["enterprise_a"].get(f"/portal/attachments/{row.id}"), content)
        _assert_download_only(prober.clients["staff_x"].get(f"/desk/attachments/{row.id}"), content)
        _assert_download_only(prober.call("enterprise_a", "GET", f"/api/v1/attachments/{row.id}"), content)
    long_name = prober.clients["enterprise_a"].get(f"/portal/attachments/{rows[-1].id}")
    assert "filename*=UTF-8''" in long_name.headers["Content-Disposition"]


def test_an_attachment_over_the_limit_is_refused(
    web: Flask, prober: Prober, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    change_settings(monkeypatch, web, max_attachment_bytes=1024)
    before = _counts(session)
    response = _reply(prober, world, [("big.pdf", PDF + b"0" * 2048)])
    assert "larger than the limit" in _shown(prober, response)
    assert _counts(session) == before


def test_a_body_over_the_request_limit_answers_413_not_500(
    web: Flask, prober: Prober, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(web.config, "MAX_CONTENT_LENGTH", 4096)
    response = _reply(prober, world, [("huge.pdf", PDF + b"0" * 10_000)])
    assert response.status_code == 413


def test_a_zip_with_traversal_entries_is_kept_as_an_opaque_download(
    web: Flask, prober: Prober, world: World, session: Session
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.txt", "outside")
    response = _reply(prober, world, [("bundle.zip", buffer.getvalue())])
    assert response.status_code == 302
    assert not (Path(web.extensions["settings"].upload_folder).parent / "escape.txt").exists()
    session.expire_all()
    row = session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    assert row is not None and row.content_type == "application/zip"


def test_api_uploads_apply_the_same_rules(prober: Prober, world: World, session: Session) -> None:
    before = _counts(session)
    refused = prober.clients["enterprise_a"].post(
        f"/api/v1/requests/{world.request.id}/attachments",
        headers={"Authorization": f"Bearer {world.bearer['enterprise_a']}"},
        data={"file": (io.BytesIO(b"<html><script>alert(1)</script>"), "../../x.html")},
        content_type="multipart/form-data",
    )
    assert refused.status_code in (400, 422)
    assert _counts(session) == before
