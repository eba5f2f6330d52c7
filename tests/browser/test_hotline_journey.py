"""In Chromium: an enterprise asks for a director hotline session, the director schedules it with a staff
member as its recorder, who records minutes and a follow-up action once the session has started, and the
dashboard shows the session, first upcoming, then held.

Screenshots of the provincial director's dashboard in Chinese and English go to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from service.demo.seed_requests import seed_demo_requests
from service.models import HotlineSession, HotlineStatus, ServiceRequest, User
from service.models.base import utcnow
from service.operations.requests import submit_request
from tests.browser.live import ARTIFACTS, LiveServer, sign_in
from tests.request_helpers import draft

pytestmark = pytest.mark.browser

ENTERPRISE = "contact@boshi-med.example.cn"
DIRECTOR = "ccnd.director@demo.jl.gov.cn"
PROVINCIAL_DIRECTOR = "director@demo.jl.gov.cn"
STAFF = "ccnd.staff@demo.jl.gov.cn"
STAFF_NAME = "赵婷（长春新区）"
LOCAL = ZoneInfo("Asia/Shanghai")


def _submit(page: Any) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def _tile(page: Any, bucket: str) -> int:
    return int(page.locator(f".tile a[href*='bucket={bucket}&'] .tile-value").first.inner_text())


def _request(live_server: LiveServer) -> ServiceRequest:
    with live_server.session() as session:
        seed_demo_requests(session, live_server.settings.desk)
        owner = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        return submit_request(
            session, owner, draft(title="浏览器测试：请局长指导临床评价路径"), (), settings=live_server.settings.desk
        )


def test_a_hotline_session_from_ask_to_held(page: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    case = _request(live_server)

    # The enterprise asks.
    sign_in(page, ENTERPRISE)
    page.goto(f"/hotline/request/{case.id}/ask")
    page.fill("#reason", "临床评价路径不清楚，希望与局长视频沟通")
    page.fill("#preferred_times", "下周二或周四下午")
    _submit(page)
    assert re.search(r"/hotline/\d+$", page.url)
    hotline_id = int(page.url.rsplit("/", 1)[1])
    assert "临床评价路径不清楚" in page.locator("main").inner_text()

    # The director finds it in the hotline list and schedules it.
    sign_in(page, DIRECTOR)
    page.goto("/hotline/")
    page.locator(f"a[href='/hotline/{hotline_id}']").click()
    page.locator(f"a[href='/hotline/{hotline_id}/schedule']").click()
    when = (utcnow() + timedelta(days=3)).astimezone(LOCAL).replace(hour=15, minute=0)
    while when.weekday() >= 5:  # a weekday afternoon: a weekend time would first ask to "schedule anyway"
        when += timedelta(days=1)
    page.fill("#scheduled_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#duration_minutes", "45")
    page.select_option("#recorder_id", label=STAFF_NAME)
    _submit(page)
    assert page.url.endswith(f"/hotline/{hotline_id}")
    assert when.strftime("%Y-%m-%d") in page.locator("main").inner_text()

    page.goto("/director/")
    assert case.reference in page.locator("#upcoming-title + ul").inner_text()
    assert _tile(page, "hotline_upcoming") >= 1

    # The enterprise sees the time and the link, and its calendar file imports.
    sign_in(page, ENTERPRISE)
    page.goto(f"/hotline/{hotline_id}")
    with live_server.session() as session:
        link = session.get(HotlineSession, hotline_id).meeting_link
    assert link and link in page.locator("main").inner_text()
    invitation = page.request.get(f"/hotline/{hotline_id}/invitation.ics")
    [event] = Calendar.from_ical(invitation.body()).walk("VEVENT")
    assert str(event["URL"]) == link

    # Before its start the session cannot be recorded as held: the form says why and nothing changes.
    sign_in(page, DIRECTOR)
    page.goto(f"/hotline/{hotline_id}/record")
    page.fill("#minutes", "提前记录")
    page.fill("#public_summary", "提前记录")
    _submit(page)
    assert "尚未开始" in page.locator("main").inner_text()
    errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")
    with live_server.session() as session:
        early = session.get(HotlineSession, hotline_id)
        assert early.status == HotlineStatus.SCHEDULED
        early.scheduled_at = utcnow() - timedelta(minutes=5)  # the session's time comes
        session.commit()

    # The recorder named when scheduling records the session with a follow-up action.
    sign_in(page, STAFF)
    page.goto(f"/hotline/{hotline_id}")
    page.locator(f"a[href='/hotline/{hotline_id}/record']").click()
    page.fill("#minutes", "内部纪要：企业同品种比对数据不足。")
    page.fill("#public_summary", "建议补充同品种比对资料，分站组织专家论证。")
    page.fill("#follow_ups-0-description", "组织专家论证会")
    page.select_option("#follow_ups-0-owner_id", label=STAFF_NAME)
    page.fill("#follow_ups-0-due_date", (utcnow() + timedelta(days=10)).strftime("%Y-%m-%d"))
    _submit(page)
    main = page.locator("main").inner_text()
    assert "组织专家论证会" in main and "内部纪要" in main
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hotline-session-held-zh.png"), full_page=True)
    with live_server.session() as session:
        assert session.get(HotlineSession, hotline_id).status == HotlineStatus.HELD

    sign_in(page, DIRECTOR)
    page.goto("/director/")
    assert _tile(page, "hotline_held") >= 1

    # The provincial director's dashboard shows it too, with every station: the screenshots.
    sign_in(page, PROVINCIAL_DIRECTOR)
    page.goto("/director/")
    assert _tile(page, "hotline_held") >= 1
    assert page.locator("#chart-station-title").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dashboard-zh.png"), full_page=True)
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)
    page.locator("form.lang button").click()

    # The enterprise reads the public summary, never the minutes.
    sign_in(page, ENTERPRISE)
    page.goto(f"/hotline/{hotline_id}")
    main = page.locator("main").inner_text()
    assert "建议补充同品种比对资料" in main and "内部纪要" not in main and "组织专家论证会" not in main
    assert errors == []
