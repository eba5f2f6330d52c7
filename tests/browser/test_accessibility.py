"""In Chromium: axe-core finds no serious or critical accessibility violation on any main page, for every
role and signed out, in Chinese and in English.

axe-core's script comes bundled with the axe-playwright-python package: nothing is downloaded at run time.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from service.demo.seed_plans import seed_demo_plans
from service.demo.seed_requests import seed_demo_requests
from service.models import Enterprise, HotlineSession, ServicePlan, ServiceRequest, Station, TaskForce, User
from service.models.enums import OPEN_STATUSES
from service.operations.hotline import ask_hotline
from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "Demo-Desk-2026"
SERIOUS = {"serious", "critical"}
ACCOUNTS = {
    "enterprise": "contact@boshi-med.example.cn",
    "staff": "ccnd.staff@demo.jl.gov.cn",
    "director": "director@demo.jl.gov.cn",
    "admin": "admin@demo.jl.gov.cn",
}
PAGES = {
    "signed-out": ("/login", "/register"),
    "enterprise": (
        "/portal/",
        "/portal/requests/new",
        "/portal/requests/{request}",
        "/plans/ours",
        "/plans/{plan}",
        "/hotline/{hotline}",
        "/notifications/",
        "/account/tokens/",
        "/account/two-factor",
        "/account/password",
    ),
    "staff": (
        "/desk/",
        "/desk/?queue=all",
        "/desk/requests/{request}",
        "/desk/enterprises",
        "/plans/",
        "/plans/{plan}",
        "/hotline/",
        "/hotline/{hotline}",
        "/instructions/",
        "/notifications/",
        "/search/?q=长春",
        "/search/views",
        "/task-forces/mine",
        "/task-forces/{task_force}",
        "/desk/requests/new",
        "/plans/new",
    ),
    "director": (
        "/director/",
        "/reports/monthly",
        "/director/escalated",
        "/director/cases",
        "/desk/requests/{request}",
        "/plans/awaiting-approval",
        "/plans/overdue",
        "/plans/{plan}",
        "/hotline/",
        "/hotline/{hotline}",
        "/instructions/",
        "/notifications/",
        "/search/?q=长春",
    ),
    "admin": (
        "/admin/users",
        "/admin/users/new",
        "/admin/stations",
        "/admin/sla",
        "/admin/calendar?year=2026",
        "/notifications/",
    ),
}


def _demo_ids(live_server: LiveServer) -> dict[str, int]:
    """A request, a plan with its task force and a hotline session of the demo enterprise
    served by the staff member's sub-station."""
    with live_server.session() as session:
        seed_demo_requests(session, live_server.settings.desk)
        seed_demo_plans(session)
        enterprise = session.scalars(
            select(Enterprise)
            .join(User, User.enterprise_id == Enterprise.id)
            .where(User.email == ACCOUNTS["enterprise"])
        ).one()
        assert session.get(Station, enterprise.station_id).code == "JL-CCND"
        request_id = session.scalars(
            select(ServiceRequest.id)
            .where(ServiceRequest.enterprise_id == enterprise.id, ServiceRequest.status.in_(OPEN_STATUSES))
            .order_by(ServiceRequest.id)
        ).first()
        hotline_id = session.scalars(select(HotlineSession.id).where(HotlineSession.request_id == request_id)).first()
        if hotline_id is None:
            owner = session.scalars(select(User).where(User.email == ACCOUNTS["enterprise"])).one()
            hotline_id = ask_hotline(session, owner, request_id, "注册检验方案需要与局长沟通").id
        plan_id = session.scalars(
            select(ServicePlan.id).where(ServicePlan.enterprise_id == enterprise.id).order_by(ServicePlan.id)
        ).first()
        task_force_id = session.scalars(
            select(TaskForce.id)
            .join(ServicePlan, TaskForce.plan_id == ServicePlan.id)
            .where(ServicePlan.enterprise_id == enterprise.id)
        ).first()
        return {"request": request_id, "plan": plan_id, "hotline": hotline_id, "task_force": task_force_id}


def _serious_violations(axe: Axe, page: Any) -> list[str]:
    results = axe.run(page)
    return [
        f"{page.url} [{violation['impact']}] {violation['id']}: "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("role", list(PAGES))
def test_no_serious_accessibility_violation_on_any_main_page(
    browser: Any, live_server: LiveServer, role: str, language: str
) -> None:
    ids = _demo_ids(live_server)
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN" if language == "zh" else "en-US",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    if role in ACCOUNTS:
        page.goto("/login")
        page.fill("#email", ACCOUNTS[role])
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert "/login" not in page.url
    axe = Axe()
    violations: list[str] = []
    for path in PAGES[role]:
        response = page.goto(path.format(**ids))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
        violations += _serious_violations(axe, page)
    context.close()
    assert violations == [], "\n" + "\n".join(violations)


def test_no_serious_accessibility_violation_on_a_form_showing_its_errors(page: Any) -> None:
    page.goto("/register")
    form = page.locator("main form").last
    form.evaluate("form => { form.noValidate = true; }")  # let the server answer, as it does for old browsers
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main .error, main [aria-invalid=true]").count() > 0
    assert _serious_violations(Axe(), page) == []
