"""The whole supervision loop in one walk through the real pages, in Chinese, as the people who take each step.

长春博识's contact submits a request; 长春新区's head accepts it and dispatches it (分办) to the officer, who returns it
(退回) with a reason; the head reads why in the queue and dispatches it again; the officer signs for it (签收) and asks
for an extension (延期申请), which the head approves, and the enterprise reads the new promised date (承诺办结时间) and
the reason. The provincial director reminds the officer (催办), who reads the message, and the extension's new date,
in the notifications; the director issues a supervision order (督办), the officer files the report (落实情况) and the
director accepts it (督办办结). The officer closes the request with a result (办结), which the head reviews first (the
administrator turned review on); the head's return visit (回访) finds the enterprise unsatisfied and sends it back for
a redo (重办) with a new date, the earlier result taken down (the enterprise reads it on the timeline); the officer
works it again and closes it, the head approves, and the enterprise confirms the result.

Screenshots of each important step go to test-artifacts/walk-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.models import ServiceRequest, Station, Status
from service.models.base import utcnow
from tests.browser.live import (
    LiveServer,
    console_errors,
    open_form,
    order_step,
    post,
    send,
    shoot,
    sign_in,
    weekday_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN = "admin@demo.jl.gov.cn"
ENTERPRISE = "contact@boshi-med.example.cn"
HEAD = "ccnd.director@demo.jl.gov.cn"
OFFICER = "ccnd.staff@demo.jl.gov.cn"
OFFICER_NAME = "赵婷（长春新区）"
DIRECTOR = "director@demo.jl.gov.cn"
TITLE = "走查：超声探头生物相容性评价路径"
EXTENSION_REASON = "需等待第三方检测机构出具细胞毒性试验报告后给出完整意见"
REMINDER = "企业已两次来电询问进度，请本周内答复。"


def _walked(live_server: LiveServer, reference: str) -> ServiceRequest:
    with live_server.session() as session:
        found = session.scalars(select(ServiceRequest).where(ServiceRequest.reference == reference)).one()
        session.expunge(found)
        return found


def _main(page: Any) -> str:
    return page.locator("main").inner_text()


def _nav_badge(page: Any, item: str) -> int:
    """The count on the menu item ``item`` (0 when it shows none)."""
    badge = page.locator(".main-nav a", has_text=item).locator(".badge")
    return int(badge.inner_text()) if badge.count() else 0


def _submit(page: Any) -> str:
    """The enterprise submits the request on the portal; its reference number."""
    sign_in(page, ENTERPRISE, language="zh")
    page.goto("/portal/requests/new")
    page.fill("#title", TITLE)
    page.fill("#description", "我司超声探头与皮肤短期接触，生物相容性评价需要做哪些试验？能否引用已有数据？")
    page.select_option("#category", "biological_evaluation")
    page.select_option("#lifecycle_stage", "research")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state()
    assert page.locator(".page-head .req-status").inner_text() == "已提交"
    return page.locator("h1 .mono").inner_text()


def _dispatch(page: Any, request_id: int) -> None:
    """The head dispatches the request (分办) to the officer from its page."""
    page.goto(f"/desk/requests/{request_id}")
    page.select_option("#assign-assignee_id", label=OFFICER_NAME)
    post(page, "/assign")
    assert "待签收" in page.locator(".req-supervision").inner_text()


def _resolve(page: Any, summary: str) -> None:
    """The officer closes the request with a result (办结); the head reviews it before the enterprise is told."""
    form = open_form(page, "办结")
    form.get_by_label("已解决", exact=True).check()
    form.locator("textarea[name='resolve-summary']").fill(summary)
    send(form)
    assert "待站长审核，尚未告知企业" in _main(page)


def _approve_from_review_queue(page: Any, reference: str) -> None:
    sign_in(page, HEAD, language="zh")
    page.goto("/desk/?queue=review")
    page.get_by_role("link", name=reference).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    assert page.locator(".page-head .req-status").inner_text() == "已办结"


def test_the_supervision_loop_from_submission_to_a_redone_closure(page: Any, live_server: LiveServer) -> None:
    errors = console_errors(page)
    with live_server.session() as session:
        station = session.scalars(select(Station).where(Station.code == "JL-CCND")).one()
        station_id, reviewing = station.id, station.review_closures
    try:
        # The administrator has 长春新区's head review each result before the enterprise is told.
        sign_in(page, ADMIN, language="zh")
        page.goto("/admin/stations")
        toggle = page.locator("tr", has_text="JL-CCND").get_by_role("button", name="改为审核后告知")
        if toggle.count():
            toggle.click()
            page.wait_for_load_state()
        assert page.locator("tr", has_text="JL-CCND").get_by_role("button", name="取消审核").count() == 1

        # 1. The enterprise submits.
        reference = _submit(page)
        request_id = _walked(live_server, reference).id
        desk = f"/desk/requests/{request_id}"
        portal = f"/portal/requests/{request_id}"
        shoot(page, "walk-01-submitted-zh")

        # 2. The head accepts it (受理) and dispatches it to the officer (分办).
        sign_in(page, HEAD, language="zh")
        page.goto("/desk/?queue=new")
        page.get_by_role("link", name=reference).click()
        page.wait_for_load_state()
        page.select_option("#triage-priority", "P3")
        page.select_option("#triage-assignee_id", label=OFFICER_NAME)
        page.get_by_role("button", name="受理").click()
        page.wait_for_load_state()
        panel = page.locator(".req-supervision")
        assert "待签收" in panel.inner_text() and "签收时限" in panel.inner_text()
        assert "已分办至 赵婷（长春新区）" in page.locator(".req-timeline").inner_text()

        # 3. The officer finds it under 待我签收 and returns it (退回) with a reason.
        sign_in(page, OFFICER, language="zh")
        page.goto("/desk/?queue=to_sign")
        page.get_by_role("link", name=reference).click()
        page.wait_for_load_state()
        form = open_form(page, "退回派单人")
        form.locator("select").select_option(label="不属于本人职责")
        form.locator("textarea").fill("生物学评价由省站专家组负责，请改派。")
        shoot(page, "walk-03-sign-for-or-return-zh", full_page=False)
        send(form)
        assert "诉求已退回派单人" in _main(page)

        # 4. Back in the head's queue of requests to dispatch, with the reason; dispatched again.
        sign_in(page, HEAD, language="zh")
        page.goto("/desk/?queue=unassigned")
        row = page.locator("tr", has_text=reference)
        assert "已退回：不属于本人职责" in row.inner_text()
        shoot(page, "walk-04-returned-in-queue-zh")
        row.get_by_role("link", name=reference).click()
        page.wait_for_load_state()
        assert "生物学评价由省站专家组负责，请改派。" in page.locator(".req-return-note").inner_text()
        _dispatch(page, request_id)

        # 5. The officer signs for it (签收) and asks for an extension (延期申请).
        sign_in(page, OFFICER, language="zh")
        page.goto(desk)
        post(page, "/sign-for")
        panel = page.locator(".req-supervision")
        assert "已签收" in panel.inner_text() and page.locator(".req-returns").inner_text() == "1"
        new_date = weekday_in(60)
        form = open_form(page, "延期申请")
        form.locator("input[type=date]").fill(new_date.isoformat())
        page.fill("#extension-public_reason", EXTENSION_REASON)
        page.fill("#extension-internal_note", "检测机构排期已满")
        send(form)
        assert "延期申请已提交" in _main(page)
        assert "待审批的延期申请" in page.locator(".req-supervision").inner_text()

        # 6. The head finds it among the extensions to decide (a badge on the menu) and approves it.
        sign_in(page, HEAD, language="zh")
        assert _nav_badge(page, "待审批延期") >= 1
        page.goto("/director/extensions")
        assert EXTENSION_REASON in page.locator("tr", has_text=reference).inner_text()
        page.get_by_role("link", name=reference).click()
        page.wait_for_load_state()
        shoot(page, "walk-06-extension-to-decide-zh", full_page=False)
        page.get_by_label("批准", exact=True).check()
        page.fill("#decide-comment", "同意延期。")
        post(page, "/extension/decision")
        assert "延期审批结果已保存" in _main(page)
        assert page.locator(".req-promised").inner_text().startswith(new_date.isoformat())

        # 7. The enterprise reads the new promised date and the reason, never the internal note.
        sign_in(page, ENTERPRISE, language="zh")
        page.goto(portal)
        promised = page.locator(".req-promised-panel").inner_text()
        assert "承诺办结时间" in promised and new_date.isoformat() in promised and EXTENSION_REASON in promised
        assert "检测机构排期已满" not in _main(page)
        shoot(page, "walk-07-enterprise-promised-date-zh")

        # 8. The provincial director reminds the officer (催办); it reaches the officer's notifications.
        sign_in(page, OFFICER, language="zh")
        unread = _nav_badge(page, "通知")
        sign_in(page, DIRECTOR, language="zh")
        page.goto(desk)
        form = open_form(page, "催办承办人")
        form.locator("textarea").fill(REMINDER)
        send(form)
        assert "已向承办人发出催办" in page.inner_text("body")
        assert page.locator(".req-reminders").inner_text().startswith("1")
        sign_in(page, OFFICER, language="zh")
        assert _nav_badge(page, "通知") == unread + 1
        page.goto("/notifications/")
        notice = page.locator(".req-notifications li", has_text=reference).first
        assert notice.inner_text().startswith("未读 已催办") and f"催办内容：{REMINDER}" in notice.inner_text()
        extended = page.locator(".req-notifications li", has_text="办结时间已延期").first
        assert f"新的办结时间：{new_date.isoformat()}" in extended.inner_text()
        shoot(page, "walk-08-reminder-notification-zh", full_page=False)
        page.goto("/desk/?queue=reminded")
        assert "已催办 ×1" in page.locator("tr", has_text=reference).inner_text()

        # 9. The director issues a supervision order (督办) with a deadline.
        sign_in(page, DIRECTOR, language="zh")
        page.goto(desk)
        form = open_form(page, "下发督办单")
        form.locator("#order-issue").fill("企业多次来电，生物学评价意见迟迟未出。")
        form.locator("#order-requirement").fill("三个工作日内答复企业并报送落实情况。")
        deadline = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai"))
        form.locator("#order-deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
        send(form)
        order_id = int(page.locator("article.order").get_attribute("id").removeprefix("order-"))
        assert page.locator(f"#order-{order_id} .tag").inner_text() in ("未到预警期", "蓝色督办：一个工作日内到期")
        page.goto("/supervision/")
        assert page.locator(f'tr[data-order="{order_id}"]').count() == 1
        shoot(page, "walk-09-supervision-page-zh")

        # 10. The officer files the report (落实情况); the director accepts it (督办办结).
        sign_in(page, OFFICER, language="zh")
        page.goto(desk)
        order_step(page, order_id, "report", "报送落实情况", "已电话答复企业，可引用探头材料的已有生物学数据。")
        sign_in(page, DIRECTOR, language="zh")
        page.goto(desk)
        assert "已电话答复企业" in page.locator(f"#order-{order_id}").inner_text()
        order_step(page, order_id, "accept", "接受落实情况并办结督办", "")
        assert page.locator(f"#order-{order_id} .tag").inner_text() == "已办结"
        shoot(page, "walk-10-order-accepted-zh")

        # 11. The officer closes it with a result (办结); the head approves it (审核) and the enterprise reads it.
        sign_in(page, OFFICER, language="zh")
        page.goto(desk)
        _resolve(page, "可引用探头材料已有的细胞毒性、致敏和刺激数据，无需重复试验。")
        sign_in(page, ENTERPRISE, language="zh")
        page.goto(portal)
        assert "无需重复试验" not in _main(page)
        _approve_from_review_queue(page, reference)
        sign_in(page, ENTERPRISE, language="zh")
        page.goto(portal)
        assert "无需重复试验" in page.locator(".req-outcome").inner_text()

        # 12. The head's return visit (回访) finds the enterprise unsatisfied; the head has it redone (重办).
        sign_in(page, HEAD, language="zh")
        page.goto(desk)
        form = open_form(page, "登记回访")
        form.get_by_label("不满意", exact=True).check()
        form.locator("input[name='visit-solved'][value='no']").check()
        form.locator("textarea").fill("企业认为未说明已有数据需满足的条件。")
        shoot(page, "walk-12-visit-form-zh", full_page=False)
        send(form)
        assert "回访已登记" in page.inner_text("body")
        assert "不满意 · 未解决" in page.locator(".req-visit").inner_text()
        redo_due = weekday_in(20)
        form = open_form(page, "退回重办")
        form.locator("textarea").fill("请书面说明引用已有数据的条件，并电话告知企业。")
        form.locator("input[type=date]").fill(redo_due.isoformat())
        send(form)
        assert "已退回重办" in page.inner_text("body")
        assert "重办 ×1" in page.locator(".req-supervision").inner_text()
        assert page.locator(".req-redos").inner_text() == "1"
        assert page.locator(".req-promised").inner_text().startswith(redo_due.isoformat())
        shoot(page, "walk-12-redo-zh")
        sign_in(page, ENTERPRISE, language="zh")
        page.goto(portal)
        assert page.locator(".req-outcome").count() == 0
        assert "此前给出、已不再有效的办理结果" in page.locator(".req-timeline").inner_text()
        assert redo_due.isoformat() in page.locator(".req-promised-panel").inner_text()
        assert "请书面说明引用已有数据的条件" in page.locator(".req-timeline").inner_text()

        # 13. The officer works it again and closes it; the head approves; the enterprise confirms.
        sign_in(page, OFFICER, language="zh")
        page.goto(desk)
        page.fill("#body", "已书面说明：材料、工艺和灭菌方式均未变化时，可引用已有生物学数据。")
        post(page, "/messages")
        _resolve(page, "已书面说明引用已有生物学数据的条件，企业已确认。")
        _approve_from_review_queue(page, reference)
        sign_in(page, ENTERPRISE, language="zh")
        page.goto(portal)
        assert "已书面说明引用已有生物学数据的条件" in page.locator(".req-outcome").inner_text()
        form = open_form(page, "确认办结")
        form.locator("input[name=confirm-rating][value='5']").check()
        send(form)
        assert page.locator(".page-head .req-status").inner_text() == "已关闭"
        shoot(page, "walk-13-closed-again-zh")

        walked = _walked(live_server, reference)
        assert walked.status == Status.CLOSED
        assert (walked.return_count, walked.extension_count, walked.reminder_count, walked.redo_count) == (1, 1, 1, 1)
        assert errors == []
    finally:
        with live_server.session() as session:
            session.get_one(Station, station_id).review_closures = reviewing
            session.commit()
