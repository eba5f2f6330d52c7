"""The sign-for and extension pieces read wholly in Chinese: the request page's panel with a return's tags and a
pending extension, the queues that list them, the director's list, the notifications and the enterprise's page."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Enterprise, ReturnReason, Status, User
from service.models.base import utcnow
from service.operations.requests import assign_request
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension, return_request
from service.rules.extensions import ExtensionAction
from tests.factories import People
from tests.request_helpers import in_status
from tests.suite import login
from tests.test_chinese_pages import HAN, english_left, visible_text

LATER = (utcnow() + timedelta(days=60)).date()
# What people typed below, and the emblem (创, the organisation's mark): the English pages may show them.
TYPED = (
    "创",
    "缺少检验报告编号",
    "等待型式检验报告",
    "检验所排期",
    "等待专家意见",
    "同意",
    "注册申报资料咨询",
    "请指导第二类产品注册申报资料的准备。",
)


def test_sign_for_and_extension_pages_read_in_one_language(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    returned = in_status(session, people, app_settings, Status.TRIAGED)
    returned = assign_request(
        session, people.staff, returned.id, returned.version, people.staff2.id, settings=app_settings
    )
    returned = return_request(
        session, people.staff2, returned.id, returned.version, ReturnReason.INCOMPLETE, "缺少检验报告编号"
    )
    waiting = in_status(session, people, app_settings, Status.TRIAGED)
    waiting = assign_request(
        session, people.staff, waiting.id, waiting.version, people.staff2.id, settings=app_settings
    )
    extended = in_status(session, people, app_settings, Status.TRIAGED)
    ask_extension(
        session,
        people.staff,
        extended.id,
        extended.version,
        ExtensionAsk(LATER, "等待型式检验报告", "检验所排期"),
        settings=app_settings,
    )
    approved = in_status(session, people, app_settings, Status.TRIAGED)
    ask_extension(
        session,
        people.staff,
        approved.id,
        approved.version,
        ExtensionAsk(LATER, "等待专家意见"),
        settings=app_settings,
    )
    session.refresh(approved)
    decide_extension(
        session, people.director, approved.id, approved.version, ExtensionAction.APPROVE, "同意", settings=app_settings
    )
    pages: list[tuple[User, list[str]]] = [
        (
            people.staff,
            [
                f"/desk/requests/{returned.id}",
                f"/desk/requests/{extended.id}",
                "/desk/?queue=unassigned",
                "/desk/?queue=sign_overdue",
                "/notifications/",
            ],
        ),
        (people.staff2, [f"/desk/requests/{waiting.id}", "/desk/?queue=to_sign"]),
        (
            people.director,
            [
                "/director/extensions",
                f"/desk/requests/{extended.id}",
                f"/desk/requests/{approved.id}",
                "/notifications/",
            ],
        ),
        (people.owner, [f"/portal/requests/{approved.id}", "/notifications/"]),
    ]
    leftovers: dict[str, list[str]] = {}
    typed = "\n".join(
        [
            *TYPED,
            *session.scalars(select(User.name)),
            *session.scalars(select(Enterprise.name)),
            *session.scalars(select(Enterprise.city)),
        ]
    )
    for user, paths in pages:
        login(client, user)
        for path in paths:
            for language in ("zh-CN", "en"):
                response = client.get(path, headers={"Accept-Language": language})
                assert response.status_code == 200, path
                text = visible_text(response.get_data(as_text=True), "zh-CN" if language == "zh-CN" else "en")
                if language == "en":
                    found = sorted({run for run in HAN.findall(text) if run not in typed})
                else:
                    found = english_left(text)
                if found:
                    leftovers[f"{user.name} {path} ({language})"] = found
    assert not leftovers, "Text in the other language left on pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in leftovers.items()
    )
    login(client, people.owner)
    portal = client.get(f"/portal/requests/{approved.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "承诺办结时间" in portal and "等待专家意见" in portal
    login(client, people.director)
    listing = client.get("/director/extensions", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "待审批延期" in listing and extended.reference in listing
