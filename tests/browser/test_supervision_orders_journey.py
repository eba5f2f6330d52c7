"""In Chromium, in Chinese: the provincial director issues a supervision order (督办) on a case, the sub-station
officer reports (落实情况), the director sends the report back, the officer reports again, the director accepts it
(督办办结); screenshots of the request's orders and the supervision page in zh and en."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.models import SupervisionOrder, SupervisionStatus, User
from service.models.base import utcnow
from tests.browser.live import ARTIFACTS, LiveServer, order_step, request_in_early_intervention, sign_in

pytestmark = pytest.mark.browser
DIRECTOR, OFFICER = "director@demo.jl.gov.cn", "ccnd.staff@demo.jl.gov.cn"


def _user_id(live_server: LiveServer, email: str) -> int:
    with live_server.session() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def _order(live_server: LiveServer, request_id: int) -> SupervisionOrder:
    with live_server.session() as session:
        return session.scalars(select(SupervisionOrder).where(SupervisionOrder.request_id == request_id)).one()


def _shoot_both_languages(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for lang in ("zh", "en"):
        page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=True)
        page.locator("form.lang button").click()
        page.wait_for_load_state()


def test_issue_report_send_back_report_accept(page: Any, live_server: LiveServer) -> None:
    request_id = request_in_early_intervention(
        live_server,
        _user_id(live_server, "contact@boshi-med.example.cn"),
        _user_id(live_server, OFFICER),
        "型式检验排期督办",
        "企业反映型式检验排期迟迟未定。",
    )
    url = f"/desk/requests/{request_id}"
    sign_in(page, DIRECTOR)
    page.goto(url)
    page.locator("#orders summary", has_text="下发督办单").click()
    page.fill("#order-issue", "型式检验排期迟迟未定，企业多次反映。")
    page.fill("#order-requirement", "三个工作日内明确排期并报送落实情况。")
    due = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai"))
    page.fill("#order-deadline", due.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#orders form button.primary").click()
    page.wait_for_load_state()
    order = _order(live_server, request_id)
    assert page.locator(f"#order-{order.id} .tag").inner_text() in ("未到预警期", "蓝色督办：一个工作日内到期")

    sign_in(page, OFFICER)
    page.goto(url)
    order_step(page, order.id, "report", "报送落实情况", "已与省检院沟通，排期定于下周二。")
    sign_in(page, DIRECTOR)
    page.goto(url)
    assert "已与省检院沟通" in page.locator(f"#order-{order.id}").inner_text()
    order_step(page, order.id, "send_back", "退回落实情况", "请写明送检样品数量。")

    sign_in(page, OFFICER)
    page.goto(url)
    assert "请写明送检样品数量" in page.locator(f"#order-{order.id}").inner_text()
    order_step(page, order.id, "report", "报送落实情况", "送检样品三台，排期下周二，已告知企业。")

    sign_in(page, DIRECTOR)
    page.goto(url)
    order_step(page, order.id, "accept", "接受落实情况并办结督办", "")
    assert page.locator(f"#order-{order.id} .tag").inner_text() == "已办结"
    assert _order(live_server, request_id).status == SupervisionStatus.CLOSED
    page.locator(f"#order-{order.id}").scroll_into_view_if_needed()
    _shoot_both_languages(page, "supervision-request")
    page.goto("/supervision/?status=all")
    assert page.locator(f'tr[data-order="{order.id}"]').count() == 1
    _shoot_both_languages(page, "supervision-list")
