"""In Chromium, in Chinese: the station head dispatches a request to an officer, who returns it with a reason;
dispatched again, the officer signs for it and asks for an extension; the head approves it from the list of
extensions waiting for them, and the enterprise reads the new promised completion date and the reason.

Screenshots of the enterprise's page in Chinese and English, and of the officer's and the head's panel, go to
test-artifacts/.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.models import Category, LifecycleStage, Priority, ServiceRequest, User
from service.operations.requests import RequestDraft, submit_request, triage_request
from tests.browser.live import ARTIFACTS, LiveServer, console_errors, post, sign_in, weekday_in

pytestmark = pytest.mark.browser

ENTERPRISE = "contact@boshi-med.example.cn"
HEAD = "ccnd.director@demo.jl.gov.cn"
OFFICER = "ccnd.staff@demo.jl.gov.cn"
OFFICER_NAME = "赵婷（长春新区）"
REASON = "需等待省检院出具型式检验报告后给出完整意见"


def _triaged_unassigned(live_server: LiveServer) -> tuple[int, str]:
    settings = live_server.settings.desk
    with live_server.session() as session:
        owner = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        head = session.scalars(select(User).where(User.email == HEAD)).one()
        request = submit_request(
            session,
            owner,
            RequestDraft(
                title="浏览器测试：型式检验送检咨询",
                description="送检样品数量和检验周期如何安排？",
                category=Category.TYPE_TESTING,
                lifecycle_stage=LifecycleStage.TYPE_TESTING,
            ),
            settings=settings,
        )
        request = triage_request(
            session,
            head,
            request.id,
            request.version,
            category=request.category,
            priority=Priority.P3,
            lifecycle_stage=request.lifecycle_stage,
            assignee_id=None,
            settings=settings,
        )
        return request.id, request.reference


def _assign_to_officer(page: Any, request_id: int) -> None:
    page.goto(f"/desk/requests/{request_id}")
    page.select_option("#assign-assignee_id", label=OFFICER_NAME)
    post(page, "/assign")


def test_dispatch_return_sign_for_extension_and_the_enterprise_sees_the_new_date(
    page: Any, live_server: LiveServer
) -> None:
    errors = console_errors(page)
    request_id, reference = _triaged_unassigned(live_server)
    desk_page = f"/desk/requests/{request_id}"

    sign_in(page, HEAD, language="zh")
    _assign_to_officer(page, request_id)
    assert "待签收" in page.locator(".req-supervision").inner_text()

    # The officer returns it: information incomplete.
    sign_in(page, OFFICER, language="zh")
    page.goto("/desk/?queue=to_sign")
    assert reference in page.locator("main").inner_text()
    page.goto(desk_page)
    page.locator(".req-supervision summary", has_text="退回派单人").click()
    page.select_option("#giveback-reason", "incomplete")
    page.fill("#giveback-note", "缺少样品规格型号清单")
    post(page, "/return")
    assert "诉求已退回派单人" in page.locator("main").inner_text()

    # The head reads why in the queue and dispatches it again.
    sign_in(page, HEAD, language="zh")
    page.goto("/desk/?queue=unassigned")
    row = page.locator("tr", has_text=reference)
    assert "已退回：材料不全" in row.inner_text()
    _assign_to_officer(page, request_id)

    # The officer signs for it and asks for an extension.
    sign_in(page, OFFICER, language="zh")
    page.goto(desk_page)
    post(page, "/sign-for")
    panel = page.locator(".req-supervision")
    assert "已签收" in panel.inner_text() and "1" in page.locator(".req-returns").inner_text()
    new_date = weekday_in(60)
    panel.locator("summary", has_text="延期申请").click()
    page.fill("#extension-new_due_date", new_date.isoformat())
    page.fill("#extension-public_reason", REASON)
    page.fill("#extension-internal_note", "检验所排期紧张")
    post(page, "/extension")
    assert "延期申请已提交" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".req-supervision").screenshot(path=str(ARTIFACTS / "supervision-officer-panel-zh.png"))

    # The head finds it among the extensions to decide and approves it.
    sign_in(page, HEAD, language="zh")
    assert page.locator("nav a", has_text="待审批延期").count() >= 1
    page.goto("/director/extensions")
    page.locator("a", has_text=reference).click()
    page.locator(".req-supervision").screenshot(path=str(ARTIFACTS / "supervision-head-panel-zh.png"))
    page.check("#decide-decision-0")
    page.fill("#decide-comment", "同意延期")
    post(page, "/extension/decision")
    assert "延期审批结果已保存" in page.locator("main").inner_text()
    with live_server.session() as session:
        approved = session.get_one(ServiceRequest, request_id)
        assert approved.extension_count == 1 and approved.return_count == 1

    # The enterprise reads the new promised date and the reason, in Chinese and in English.
    sign_in(page, ENTERPRISE, language="zh")
    page.goto(f"/portal/requests/{request_id}")
    promised = page.locator(".req-promised-panel")
    assert new_date.isoformat() in promised.inner_text() and REASON in promised.inner_text()
    assert "承诺办结时间" in promised.inner_text() and "检验所排期紧张" not in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "supervision-enterprise-zh.png"), full_page=True)
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert "Promised completion date" in page.locator(".req-promised-panel").inner_text()
    page.screenshot(path=str(ARTIFACTS / "supervision-enterprise-en.png"), full_page=True)
    page.locator("form.lang button").click()
    assert errors == []
