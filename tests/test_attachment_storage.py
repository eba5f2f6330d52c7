"""Attachments in an S3-compatible bucket (ATTACHMENT_STORAGE=s3), against moto's S3 server: the same promises as
the upload folder's (tests/test_requests_attachments.py) — a file is claimed only once its row commits, a
rolled-back upload leaves no object, the sweep removes what no row names and completes what one does — and an
upload and a download through the web pages, and a backup and restore of the bucket."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.demo import seed
from service.errors import NotFound
from service.infrastructure import backup
from service.infrastructure.attachment_files import FoundFile, SweptFiles, attachment_store, sweep_orphan_files
from service.models import Attachment
from service.models.base import utcnow
from service.operations.attachments import Upload, attachment_for_download, store_uploads
from service.operations.requests import add_message
from service.store.db import make_engine
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import PDF, PNG, TUESDAY_10, submit
from tests.scratch import scratch_database
from tests.suite import Sessions, change_settings, login
from tests.web_requests_support import by_title, request_form, send

S3 = {"attachment_storage": "s3", "s3_region": "us-east-1"}


@pytest.fixture()
def bucket_settings(settings: DeskSettings, s3_bucket: str, s3_endpoint: str) -> DeskSettings:
    return dataclasses.replace(settings, **S3, s3_bucket=s3_bucket, s3_endpoint_url=s3_endpoint)


def _keys(settings: DeskSettings) -> list[str]:
    client: Any = boto3.session.Session().client(
        "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region
    )
    listed = client.list_objects_v2(Bucket=settings.s3_bucket)
    return sorted(found["Key"] for found in listed.get("Contents", []))


def test_a_committed_upload_is_one_object_read_back_whole(
    session: Session, people: People, bucket_settings: DeskSettings
) -> None:
    request = submit(session, people, bucket_settings, uploads=(Upload("检验报告.pdf", "", PDF),))
    stored = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    assert _keys(bucket_settings) == [stored.stored_name]
    attachment, content = attachment_for_download(session, people.owner, stored.id, settings=bucket_settings)
    with content:
        assert attachment.id == stored.id and content.read() == PDF
    assert not Path(bucket_settings.upload_folder).exists()


def test_an_upload_gets_its_stored_key_only_once_its_row_is_committed(
    session: Session, people: People, bucket_settings: DeskSettings
) -> None:
    request = submit(session, people, bucket_settings)
    [attachment] = store_uploads(
        session, people.owner, request, (Upload("a.pdf", "", PDF),), bucket_settings, TUESDAY_10
    )
    assert _keys(bucket_settings) == [f"pending/{attachment.stored_name}"]
    with pytest.raises(NotFound):
        attachment_store(bucket_settings).open(attachment.stored_name)
    session.commit()
    assert _keys(bucket_settings) == [attachment.stored_name]


def test_a_rolled_back_upload_leaves_no_object(
    session: Session, people: People, bucket_settings: DeskSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = submit(session, people, bucket_settings)
    from service.operations import requests as operations

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("notification store down")

    monkeypatch.setattr(operations.notifications, "notify", explode)
    with pytest.raises(RuntimeError):
        add_message(
            session, people.staff, request.id, "答复", uploads=(Upload("a.pdf", "", PDF),), settings=bucket_settings
        )
    assert session.scalar(select(func.count(Attachment.id)).where(Attachment.request_id == request.id)) == 0
    assert _keys(bucket_settings) == []


def test_the_sweep_removes_old_orphans_completes_committed_ones_and_leaves_young_ones(
    session: Session, people: People, bucket_settings: DeskSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = submit(session, people, bucket_settings, uploads=(Upload("kept.pdf", "", PDF),))
    kept = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    store = attachment_store(bucket_settings)
    # The store failed between the commit and the copy: the row exists, its object is still temporary.
    with monkeypatch.context() as failing:

        def unreachable(_name: str) -> None:
            raise EndpointConnectionError(endpoint_url=bucket_settings.s3_endpoint_url)

        failing.setattr(store, "keep", unreachable)
        [late] = store_uploads(
            session, people.owner, request, (Upload("late.png", "", PNG),), bucket_settings, TUESDAY_10
        )
        session.commit()
    assert f"pending/{late.stored_name}" in _keys(bucket_settings)
    # A server killed mid-upload: an object no row will ever name.
    store.write_pending("0123456789abcdef0123456789abcdef", PDF)

    assert sweep_orphan_files(session, bucket_settings) == SweptFiles(removed=0, completed=0)  # all younger than 1 h
    swept = sweep_orphan_files(session, bucket_settings, now=utcnow() + timedelta(hours=2))

    assert swept == SweptFiles(removed=1, completed=1)
    assert _keys(bucket_settings) == sorted([kept.stored_name, late.stored_name])
    with store.open(late.stored_name) as content:
        assert content.read() == PNG


def test_the_pages_upload_to_the_bucket_and_download_from_it(
    app: Flask,
    client: FlaskClient,
    session: Session,
    people: People,
    s3_bucket: str,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = change_settings(monkeypatch, app, **S3, s3_bucket=s3_bucket, s3_endpoint_url=s3_endpoint)
    folder_before = sorted(Path(settings.upload_folder).glob("*")) if Path(settings.upload_folder).exists() else []
    login(client, people.owner)
    form = {**request_form(title="对象存储上传"), "attachments": [(BytesIO(PDF), "说明书.pdf")]}
    assert send(client, "/portal/requests/new", form, content_type="multipart/form-data").status_code == 302
    [created] = by_title(session, "对象存储上传")
    stored = session.scalars(select(Attachment).where(Attachment.request_id == created.id)).one()
    assert _keys(settings.desk) == [stored.stored_name]
    assert (sorted(Path(settings.upload_folder).glob("*")) if Path(settings.upload_folder).exists() else []) == (
        folder_before
    )

    download = client.get(f"/portal/attachments/{stored.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Length"] == str(len(PDF))
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_backup_downloads_the_bucket_and_a_restore_puts_it_back_verified(
    tmp_path: Path, bucket_settings: DeskSettings
) -> None:
    with scratch_database("sqlite", tmp_path, "desk") as url:
        engine = make_engine(url)
        with Sessions(bind=engine) as session:
            seed.seed_reference_data(session)
            people = factories.people(session)
            submit(session, people, bucket_settings, uploads=(Upload("a.pdf", "", PDF), Upload("b.png", "", PNG)))
            names = sorted(session.scalars(select(Attachment.stored_name)))
        engine.dispose()
        store = attachment_store(bucket_settings)

        made = backup.backup(url, store, tmp_path / "backup")
        assert sorted(made.files) == names and made.problems == []
        for name in names:
            store.remove(FoundFile(name, temporary=False))  # the bucket lost them
        assert _keys(bucket_settings) == []

        restored = backup.restore(url, store, tmp_path / "backup")
        assert restored.files == made.files and _keys(bucket_settings) == names
