"""Shared pieces of the request web tests (portal, desk): form posts and what they send, pages as seen."""

from __future__ import annotations

import re
from io import BytesIO

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ServiceRequest
from tests.request_helpers import PDF
from tests.suite import csrf_token

EN = {"Accept-Language": "en"}


def send(
    client: FlaskClient,
    path: str,
    data: dict,
    prefix: str | None = None,  # type: ignore[no-untyped-def]
    **kwargs: object,
):
    """POST a page's form as the browser would: with the CSRF token under the form's (prefixed) name."""
    token = csrf_token(client)
    fields = {"csrf_token": token, **({f"{prefix}-csrf_token": token} if prefix else {}), **data}
    return client.post(path, data=fields, headers=EN, **kwargs)


def get(client: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers=EN)


def sent_back(client: FlaskClient, response, page: str) -> str:  # type: ignore[no-untyped-def]
    """The page a refused or invalid form went back to (post/redirect/get), as the user now sees it."""
    assert response.status_code == 302 and response.location == page, (response.status_code, response.location)
    return get(client, page).get_data(as_text=True)


def request_form(**changes: object) -> dict:
    form: dict = {
        "title": "二类有源产品注册资料咨询",
        "description": "我们准备提交注册申报，需要指导。\n第二行说明。",
        "category": "registration_dossier",
        "lifecycle_stage": "registration_submission",
        "product_name": "便携式超声诊断仪",
        "device_class": "II",
        "product_type": "active",
        "product_field": "06",
        "innovative": "y",
        "idempotency_key": "key-" + "a" * 20,
    }
    form.update(changes)
    return form


def pdf(name: str = "说明书.pdf") -> tuple[BytesIO, str]:
    return (BytesIO(PDF), name)


def by_title(session: Session, title: str) -> list[ServiceRequest]:
    session.expire_all()
    return list(session.scalars(select(ServiceRequest).where(ServiceRequest.title == title)))


def version_in(html: str, prefix: str) -> int:
    match = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', html)
    assert match, f"no {prefix}-version field on the page"
    return int(match.group(1))
