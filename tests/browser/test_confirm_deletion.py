"""In Chromium: dropping a plan's milestone and removing a task force's member ask first, with and without
JavaScript. Without it the server's page asks (Cancel leads back, nothing changes); with it the browser's own
dialog asks, and dismissing it sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from service.models import Enterprise, Milestone, MilestonePhase, TaskForceMember, User
from service.operations import milestones, plans, task_forces
from tests.browser.live import LiveServer, sign_in

pytestmark = pytest.mark.browser

STAFF = "ccnd.staff@demo.jl.gov.cn"
COLLEAGUE = "ccnd.director@demo.jl.gov.cn"
COMPANY_CODE = "91220101MA17CX0Y"


@dataclass
class Arranged:
    plan_id: int
    milestone_id: int
    task_force_id: int
    member_id: int


def _arrange(live_server: LiveServer, tag: str) -> Arranged:
    """A draft plan of 长春博识 with a titled milestone, and a task force with the station's director as a member."""
    with live_server.session() as session:
        staff = session.scalars(select(User).where(User.email == STAFF)).one()
        colleague = session.scalars(select(User).where(User.email == COLLEAGUE)).one()
        enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code.startswith(COMPANY_CODE))).one()
        plan = plans.create_plan(
            session,
            staff,
            enterprise.id,
            plans.PlanFields(
                title=f"删除确认测试方案{tag}", goals="验证删除前的确认", products="", liaison_id=staff.id
            ),
        )
        milestone = milestones.add_milestone(
            session, staff, plan.id, milestones.MilestoneFields(MilestonePhase.OTHER, title=f"生物相容性评价{tag}")
        )
        team = task_forces.create_task_force(
            session,
            staff,
            task_forces.TaskForceFields(f"注册攻关专班{tag}", "解决生物学评价难题", staff.id),
            plan_id=plan.id,
        )
        member = task_forces.add_staff_member(session, staff, team.id, colleague.id)
        return Arranged(plan.id, milestone.id, team.id, member.id)


def _exists(live_server: LiveServer, model: type, row_id: int) -> bool:
    with live_server.session() as session:
        return session.get(model, row_id) is not None


@pytest.fixture()
def page_without_script(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_server_asks_before_deleting(page_without_script: Any, live_server: LiveServer) -> None:
    page = page_without_script
    arranged = _arrange(live_server, "甲")
    sign_in(page, STAFF)
    drop = f"form[action='/plans/milestones/{arranged.milestone_id}/remove'] button"

    # Drop, then think better of it: the page names the milestone and the plan; Cancel leads back.
    page.goto(f"/plans/{arranged.plan_id}")
    page.locator(drop).click()
    page.wait_for_load_state()
    question = page.locator("main .panel p").first.inner_text()
    assert "生物相容性评价甲" in question and "删除确认测试方案甲" in question
    page.locator("main a.button").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/plans/{arranged.plan_id}#milestones")
    assert _exists(live_server, Milestone, arranged.milestone_id)

    # Drop, and confirm.
    page.locator(drop).click()
    page.wait_for_load_state()
    page.locator("main form button.danger").click()
    page.wait_for_load_state()
    assert page.locator(drop).count() == 0
    assert "生物相容性评价甲" in page.locator(".flash-success").inner_text()
    assert not _exists(live_server, Milestone, arranged.milestone_id)

    # A member is removed the same way, once confirmed on the page that names them.
    page.goto(f"/task-forces/{arranged.task_force_id}")
    page.locator(f"form[action='/task-forces/members/{arranged.member_id}/remove'] button").click()
    page.wait_for_load_state()
    assert "周站长（长春新区）" in page.locator("main .panel p").first.inner_text()
    assert _exists(live_server, TaskForceMember, arranged.member_id)
    page.locator("main form button.danger").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/task-forces/{arranged.task_force_id}")
    assert not _exists(live_server, TaskForceMember, arranged.member_id)


def test_with_javascript_the_browser_asks_in_its_own_dialog(page: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    arranged = _arrange(live_server, "乙")
    sign_in(page, STAFF)
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Any) -> None:
        asked.append(dialog.message)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"/plans/{arranged.plan_id}")
    drop = page.locator(f"form[action='/plans/milestones/{arranged.milestone_id}/remove'] button")

    # Dismissed: nothing is sent, the page stays as it was.
    drop.click()
    assert len(asked) == 1 and "生物相容性评价乙" in asked[0] and "删除确认测试方案乙" in asked[0]
    assert page.url.endswith(f"/plans/{arranged.plan_id}")
    assert _exists(live_server, Milestone, arranged.milestone_id)

    # Accepted: the confirmed POST drops it straight away, without the server's page.
    answer["accept"] = True
    with page.expect_navigation():
        drop.click()
    assert page.url.endswith(f"/plans/{arranged.plan_id}#milestones")
    assert "生物相容性评价乙" in page.locator(".flash-success").inner_text()
    assert not _exists(live_server, Milestone, arranged.milestone_id)

    page.goto(f"/task-forces/{arranged.task_force_id}")
    with page.expect_navigation():
        page.locator(f"form[action='/task-forces/members/{arranged.member_id}/remove'] button").click()
    assert "周站长（长春新区）" in asked[-1]
    assert page.url.endswith(f"/task-forces/{arranged.task_force_id}")
    assert not _exists(live_server, TaskForceMember, arranged.member_id)
    assert errors == []
