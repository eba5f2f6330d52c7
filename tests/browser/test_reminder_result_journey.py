"""In Chromium, in Chinese: the administrator has 通化's head review results; the head reminds the officer (催办),
who finds the request under 已催办 and closes it with a result (办结: 已解释说明 with its basis); the head approves
it from 待审核办结 (审核) and the enterprise reads it; the head's return visit (回访), opened from 待回访, finds it
unsatisfying and sends it back for a redo (重办) with a new date, the earlier result kept on the timeline only.

Screenshots of the request's desk page (Chinese and English) and the enterprise's page go to test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.models import ServiceRequest, Station, Status, User
from service.models.base import utcnow
from tests.browser.live import (
    ARTIFACTS,
    LiveServer,
    console_errors,
    open_form,
    request_in_early_intervention,
    send,
    sign_in,
)

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.jl.gov.cn"
ENTERPRISE = "contact@kangning-bio.example.cn"
OFFICER = "tonghua.staff@demo.jl.gov.cn"
HEAD = "tonghua.director@demo.jl.gov.cn"


def _ids(live_server: LiveServer) -> tuple[int, int, int]:
    with live_server.session() as session:
        found = {u.email: u.id for u in session.scalars(select(User).where(User.email.in_([ENTERPRISE, OFFICER])))}
        station = session.scalars(select(Station).where(Station.code == "JL-TH")).one()
        return found[ENTERPRISE], found[OFFICER], station.id


def _request(live_server: LiveServer, request_id: int) -> ServiceRequest:
    with live_server.session() as session:
        found = session.get(ServiceRequest, request_id)
        assert found is not None
        session.expunge(found)
        return found


def test_reminder_review_visit_and_redo_in_chinese(page: Any, live_server: LiveServer, browser: Any) -> None:
    errors = console_errors(page)
    contact_id, officer_id, station_id = _ids(live_server)
    with live_server.session() as session:
        reviewing = session.get_one(Station, station_id).review_closures
    request_id = request_in_early_intervention(
        live_server, contact_id, officer_id, "浏览器测试：试剂是否免于临床试验", "我司试剂是否在免临床目录内？"
    )
    url = f"/desk/requests/{request_id}"
    try:
        # The administrator has the station's head review each result first (the demo data may have done so).
        sign_in(page, ADMIN)
        page.goto("/admin/stations")
        row = page.locator("tr", has_text="JL-TH")
        if row.get_by_role("button", name="改为审核后告知").count():
            row.get_by_role("button", name="改为审核后告知").click()
            page.wait_for_load_state()
            assert "须经站长审核" in page.inner_text("main")
        assert page.locator("tr", has_text="JL-TH").get_by_role("button", name="取消审核").count() == 1

        # The head reminds the officer.
        sign_in(page, HEAD)
        page.goto(url)
        form = open_form(page, "催办承办人")
        form.locator("textarea").fill("企业已来电两次，请本周内答复。")
        send(form)
        assert "已向承办人发出催办" in page.inner_text("body")

        # The officer sees it among the reminded and closes it with a result.
        sign_in(page, OFFICER)
        page.goto("/desk/?queue=reminded")
        assert "已催办 ×1" in page.inner_text("main")
        page.goto(url)
        assert "企业已来电两次，请本周内答复。" in page.inner_text("main")
        form = open_form(page, "办结")
        form.get_by_label("已解释说明").check()
        form.locator("textarea[name='resolve-summary']").fill("该试剂不在免于临床试验目录内，须开展临床试验。")
        form.locator("textarea[name='resolve-result_basis']").fill("《免于临床试验体外诊断试剂目录》未收录该产品。")
        send(form)
        assert "待站长审核，尚未告知企业" in page.inner_text("main")
        assert _request(live_server, request_id).status == Status.REVIEW

        # The enterprise is not told yet.
        sign_in(page, ENTERPRISE)
        page.goto(f"/portal/requests/{request_id}")
        assert "须开展临床试验" not in page.inner_text("main")

        # The head approves it from the results to review.
        sign_in(page, HEAD)
        page.goto("/desk/?queue=review")
        page.get_by_role("link", name="浏览器测试：试剂是否免于临床试验").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="审核通过").click()
        page.wait_for_load_state()
        assert _request(live_server, request_id).status == Status.RESOLVED

        sign_in(page, ENTERPRISE)
        page.goto(f"/portal/requests/{request_id}")
        main = page.inner_text("main")
        assert "已解释说明" in main and "《免于临床试验体外诊断试剂目录》未收录该产品。" in main
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "result-portal-zh.png"), full_page=True)

        # The head finds it under the results to visit (待回访): its link opens the request at the visit's form,
        # unfolded. The visit finds it unsatisfying; the head sends it back for a redo.
        sign_in(page, HEAD)
        page.goto("/desk/?queue=to_visit")
        page.get_by_role("link", name="浏览器测试：试剂是否免于临床试验").click()
        page.wait_for_load_state()
        form = page.locator("form#visit")
        assert page.url.endswith(f"{url}#visit") and form.is_visible()
        form.get_by_label("不满意", exact=True).check()
        form.locator("input[name='visit-solved'][value='no']").check()
        form.locator("textarea").fill("企业希望进一步说明替代的临床评价路径。")
        send(form)
        assert "回访已登记" in page.inner_text("body")
        form = open_form(page, "退回重办")
        form.locator("textarea").fill("请说明同品种比对的临床评价路径，并电话答复企业。")
        form.locator("input[type=date]").fill((utcnow() + timedelta(days=20)).date().isoformat())
        send(form)
        assert "已退回重办" in page.inner_text("body")
        main = page.inner_text("main")
        assert "重办 ×1" in main
        # The result no longer stands: only the redo's entry on the timeline keeps it.
        assert page.locator(".req-outcome").count() == 0
        earlier = page.locator(".req-earlier-result")
        assert "此前给出、已不再有效的办理结果" in earlier.inner_text() and "须开展临床试验" in earlier.inner_text()
        redone = _request(live_server, request_id)
        assert redone.redo_count == 1 and redone.status == Status.EARLY_INTERVENTION
        page.screenshot(path=str(ARTIFACTS / "reminder-result-desk-zh.png"), full_page=True)

        english = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
        try:
            other = english.new_page()
            sign_in(other, HEAD, language="en")
            other.goto(url)
            assert "Redo ×1" in other.inner_text("main") and "Reminders" in other.inner_text("main")
            other.screenshot(path=str(ARTIFACTS / "reminder-result-desk-en.png"), full_page=True)
        finally:
            english.close()
        assert not errors, errors
    finally:
        with live_server.session() as session:
            station = session.get(Station, station_id)
            assert station is not None
            station.review_closures = reviewing
            session.commit()
