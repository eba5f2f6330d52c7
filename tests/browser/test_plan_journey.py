"""In Chromium: staff draft a plan with milestones, a director approves it, a request moves to guidance,
and the enterprise sees the progress; screenshots of the plan page and the progress page in zh and en."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from service.models import (
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.operations import plans
from service.queries.plans import local_today
from tests import factories
from tests.browser.live import ARTIFACTS, LiveServer, request_in_early_intervention

pytestmark = pytest.mark.browser
PASSWORD = "Plan-Journey-2026"
INTERNAL_NOTE = "内部：检验排期待与省检院确认"


def _people(live_server: LiveServer) -> dict[str, Any]:
    """A fresh enterprise of 长春新区 with its contact, a staff member and a director of the sub-station."""
    with live_server.session() as session:
        enterprise = factories.enterprise(session, "JL-CCND", name="长春旅程医疗器械有限公司")
        users = {
            key: factories.user(
                session,
                role,
                "JL-CCND",
                enterprise_=enterprise if role == Role.ENTERPRISE else None,
                email=f"{key}@journey.example.cn",
                name=name,
                password=PASSWORD,
            )
            for key, name, role in (
                ("contact", "秦岚", Role.ENTERPRISE),
                ("staff", "高远", Role.STAFF),
                ("director", "林站长", Role.DIRECTOR),
            )
        }
        return {
            "enterprise_id": enterprise.id,
            "company": enterprise.name,
            **{key: user.id for key, user in users.items()},
        }


def _status(live_server: LiveServer, request_id: int) -> Status:
    with live_server.session() as session:
        return session.get(ServiceRequest, request_id).status


def _sign_in(page: Any, key: str) -> None:
    page.goto("/login")
    page.fill("#email", f"{key}@journey.example.cn")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def _sign_out(page: Any) -> None:
    page.locator("header form button.link").click()
    page.wait_for_load_state()


def _shoot_both_languages(page: Any, name: str) -> None:
    """Screenshots in Chinese and English; the page ends up in Chinese again."""
    ARTIFACTS.mkdir(exist_ok=True)
    for lang in ("zh", "en"):
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=True)
        page.locator("form.lang button").click()
        page.wait_for_load_state()


def test_a_plan_from_draft_to_the_enterprises_progress_view(page: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    people = _people(live_server)
    request_id = request_in_early_intervention(
        live_server, people["contact"], people["staff"], "型式检验与临床评价衔接", "型式检验完成后如何衔接临床评价？"
    )

    # Staff draft the plan, keeping six of the seven offered phases.
    _sign_in(page, "staff")
    page.goto(f"/plans/new?q={people['company']}")
    page.locator(f"a[href$='enterprise_id={people['enterprise_id']}']").click()
    assert page.locator("input[name=phases]:checked").count() == 7
    page.fill("#title", "影像设备全程指导“一企一策”方案")
    page.fill("#goals", "一年内完成型式检验与临床评价，提交第二类注册申报。")
    page.fill("#products", "数字化X射线摄影系统")
    page.locator("input[name=phases][value=post_market]").uncheck()
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    plan_path = urlsplit(page.url).path
    assert re.fullmatch(r"/plans/\d+", plan_path)
    assert page.locator("table.plan-milestones tbody tr").count() == 6

    # The first milestone is done; type testing is under way but already past its due date.
    rows = page.locator("table.plan-milestones tbody tr")
    rows.nth(0).locator("form[action$='/complete'] button").click()
    page.wait_for_load_state()
    rows.nth(1).locator("a[href^='/plans/milestones/']").click()
    page.fill("#due_date", (local_today() - timedelta(days=2)).isoformat())
    page.select_option("#status", "in_progress")
    page.fill("#notes", INTERNAL_NOTE)
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    assert page.locator("tr.plan-row-late").count() == 1
    assert page.locator("tr.plan-row-done").count() == 1
    assert page.locator("button[name=action][value=approve]").count() == 0  # staff cannot approve
    _sign_out(page)

    # The sub-station's director finds it among the plans to approve and approves it with a comment.
    _sign_in(page, "director")
    page.goto("/plans/awaiting-approval")
    page.locator(f"main a[href='{plan_path}']").click()
    page.wait_for_load_state()
    page.fill("#plan-decision-comment", "同意，按里程碑推进。")
    page.locator("button[name=action][value=approve]").click()
    page.wait_for_load_state()
    assert page.locator("h1 .plan-status.plan-active").is_visible()
    assert page.locator("main .plan-timeline li").count() >= 4
    _shoot_both_languages(page, "plan-page-desk")
    _sign_out(page)

    # The request moves to guidance once it is linked to the plan in force.
    _sign_in(page, "staff")
    page.goto(f"/desk/requests/{request_id}")
    # No plan linked yet: the step is shown but disabled, with what it needs.
    assert page.locator("form[action$='/actions/start_guidance']").count() == 0
    guidance = page.locator(".req-step-unavailable button[disabled]")
    assert guidance.is_visible()
    hint = page.locator(f"#{guidance.get_attribute('aria-describedby')}").inner_text()
    assert hint == "进入全程指导前，须将诉求关联到该企业执行中的“一企一策”服务方案。"
    assert _status(live_server, request_id) == Status.EARLY_INTERVENTION
    with live_server.session() as session:
        plan = session.scalars(select(ServicePlan).where(ServicePlan.enterprise_id == people["enterprise_id"])).one()
        request = session.get(ServiceRequest, request_id)
        plans.link_request_to_plan(session, session.get(User, people["staff"]), request_id, plan.id, request.version)
    page.goto(f"/desk/requests/{request_id}")
    page.locator("form[action$='/actions/start_guidance'] button").click()
    page.wait_for_load_state()
    assert _status(live_server, request_id) == Status.GUIDANCE
    page.goto(plan_path)
    assert page.locator("#requests tbody tr").count() == 1
    _sign_out(page)

    # The enterprise sees goals and progress: done, late and next, but no internal note.
    _sign_in(page, "contact")
    page.goto("/plans/ours")
    assert urlsplit(page.url).path == plan_path
    assert page.locator("progress").first.get_attribute("value") == "1"
    assert page.locator(".plan-step-done").count() == 1
    assert page.locator(".plan-step-late").count() == 1
    assert page.locator(".plan-step-next").count() == 1
    assert INTERNAL_NOTE not in page.locator("main").inner_text()
    _shoot_both_languages(page, "plan-progress-enterprise")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "plan-progress-enterprise-zh-mobile.png"), full_page=True)
    assert errors == []
