"""The sign-for and extension pieces read wholly in Chinese: the request page's panel with a return's tags and a
pending extension, the queues that list them, the director's list, the notifications and the enterprise's page."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import ReturnReason, Status, User
from service.models.base import utcnow
from service.operations.requests import assign_request
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension, return_request
from service.rules.extensions import ExtensionAction
from tests.conftest import login
from tests.request_helpers import People, in_status, people  # noqa: F401 - fixture
from tests.test_chinese_pages import english_left, visible_text
from tests.web_requests_support import settings  # noqa: F401 - fixture

LATER = (utcnow() + timedelta(days=60)).date()


def test_sign_for_and_extension_pages_read_in_chinese(
    client: FlaskClient, session: Session, people: People, settings
) -> None:
    returned = in_status(session, people, settings, Status.TRIAGED)
    returned = assign_request(session, people.staff, returned.id, returned.version, people.staff2.id, settings=settings)
    returned = return_request(
        session, people.staff2, returned.id, returned.version, ReturnReason.INCOMPLETE, "缺少检验报告编号"
    )
    waiting = in_status(session, people, settings, Status.TRIAGED)
    waiting = assign_request(session, people.staff, waiting.id, waiting.version, people.staff2.id, settings=settings)
    extended = in_status(session, people, settings, Status.TRIAGED)
    ask_extension(
        session,
        people.staff,
        extended.id,
        extended.version,
        ExtensionAsk(LATER, "等待型式检验报告", "检验所排期"),
        settings=settings,
    )
    approved = in_status(session, people, settings, Status.TRIAGED)
    ask_extension(
        session, people.staff, approved.id, approved.version, ExtensionAsk(LATER, "等待专家意见"), settings=settings
    )
    session.refresh(approved)
    decide_extension(
        session, people.director, approved.id, approved.version, ExtensionAction.APPROVE, "同意", settings=settings
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
    leftovers = {}
    for user, paths in pages:
        login(client, user)
        for path in paths:
            response = client.get(path, headers={"Accept-Language": "zh-CN"})
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            if found := english_left(visible_text(html, "zh-CN")):
                leftovers[f"{user.name} {path}"] = found
    assert not leftovers, "English left on Chinese pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in leftovers.items()
    )
    login(client, people.owner)
    portal = client.get(f"/portal/requests/{approved.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "承诺办结时间" in portal and "等待专家意见" in portal
    login(client, people.director)
    listing = client.get("/director/extensions", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "待审批延期" in listing and extended.reference in listing
