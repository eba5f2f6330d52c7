"""The Chinese pages say what the regulator says: its terms, one date format, the right word for each short label."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import ServiceRequest
from service.operations.api_tokens import create_token
from service.operations.attachments import Upload
from service.operations.instructions import write_instruction
from service.operations.sla import sweep
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import PDF, submit, triaged
from tests.suite import login, post_form
from tests.test_two_factor_web import enrol

ZH = {"Accept-Language": "zh-CN"}
# Hospital and loose words the regulator does not use, and the old second word for "awaiting verification".
WRONG_TERMS = ("分诊", "提级", "分派", "未核验")


def _zh(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=ZH)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _auto_escalated(session: Session, people: People, app_settings: DeskSettings) -> ServiceRequest:
    """An urgent request with a 311-byte file, accepted and then escalated by the SLA sweep."""
    request = triaged(
        session,
        people,
        app_settings,
        urgent=True,
        uploads=(Upload("说明书.pdf", "application/pdf", PDF.ljust(311, b" ")),),
    )
    sweep(session, settings=app_settings, now=request.first_response_due_at + timedelta(minutes=1))
    session.refresh(request)
    assert request.escalated
    return request


def test_the_staff_request_page_reads_in_the_regulators_chinese(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = _auto_escalated(session, people, app_settings)
    login(client, people.staff)
    page = _zh(client, f"/desk/requests/{request.id}")

    assert "首次答复超时" in page and "First response overdue" not in page, (
        "the sweep's reason in the reader's language"
    )
    assert "已受理" in page and "上报" in page
    assert not [term for term in WRONG_TERMS if term in page]
    assert "<dt>企业规模</dt>" in page and "<dt>大小</dt>" not in page
    assert "<dt>是否紧急</dt>" in page and "急 / 急" not in page and "<dt>急</dt>" not in page
    assert "311 B" in page and "Bytes" not in page
    assert re.search(r"\b2026-\d\d-\d\d \d\d:\d\d\b", page) and not re.search(r"\b2026/\d", page)


def test_the_directors_escalated_list_words_the_sweeps_reason(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    _auto_escalated(session, people, app_settings)
    login(client, people.director)
    page = _zh(client, "/director/escalated")
    assert "首次答复超时" in page and "First response overdue" not in page
    assert "上报诉求" in page and "提级" not in page
    login(client, people.director)
    assert "First response overdue" in client.get("/director/escalated", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_short_labels_get_the_word_their_page_means(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = submit(session, people, app_settings)
    write_instruction(session, people.director, request.id, "请加快办理")
    login(client, people.staff)

    notifications = _zh(client, "/notifications/")
    assert '<span class="tag warn">未读</span>' in notifications and "新诉求</span>" not in notifications
    instructions = _zh(client, "/instructions/")
    assert '<th scope="col">承办人</th>' in instructions and "截止" not in instructions
    enterprises = _zh(client, "/desk/enterprises")
    assert '<th scope="col">企业名称</th>' in enterprises and "姓名" not in enterprises
    assert "待核验" in enterprises and "未核验" not in enterprises
    task_forces = _zh(client, "/task-forces/mine")
    assert '<th scope="col">专班名称</th>' in task_forces and "姓名" not in task_forces


def test_the_two_step_page_says_on_and_names_the_desk_in_chinese(
    client: FlaskClient, session: Session, people: People
) -> None:
    login(client, people.owner)
    enrolment = _zh(client, "/account/two-factor")
    assert "密钥：" in enrolment and "密钥:" not in enrolment
    # The authenticator app lists the desk under the name the user reads it by.
    assert "issuer=%E5%88%9B%E6%96%B0%E6%9C%8D%E5%8A%A1%E5%B9%B3%E5%8F%B0" in enrolment
    assert "Innovation%20Service%20Desk" not in enrolment

    enrol(session, people.owner)
    page = _zh(client, "/account/two-factor")
    assert '<span class="tag ok">已开启</span>' in page and ">于<" not in page


def test_form_messages_are_one_wording_in_chinese(client: FlaskClient) -> None:
    response = post_form(client, "/register", {"email": "not-an-address"}, headers=ZH)
    page = response.get_data(as_text=True)
    assert "请输入有效的电子邮箱地址。" in page and "Email" not in page
    assert "此项必填。" in page and "该字段是必填字段" not in page


def test_times_read_one_way_in_chinese(client: FlaskClient, session: Session, people: People) -> None:
    create_token(session, people.staff, "报表系统", "read", 30, max_days=30)
    login(client, people.staff)
    page = _zh(client, "/account/tokens/")
    assert '<th scope="col">名称</th>' in page and "姓名" not in page
    assert len(re.findall(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", page)) == 2, "created and expires, as 2026-12-06 14:30"
    assert not re.search(r"\d{4}/\d{1,2}/\d{1,2}", page)
