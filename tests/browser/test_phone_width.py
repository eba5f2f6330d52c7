"""In Chromium at a phone's width (390 x 844): no main page of any role scrolls sideways, the desk queue's
filters fold behind one button, and an enterprise's header offers an enterprise's work; screenshots in zh and en."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.models import User
from service.operations import plans
from tests.browser.live import ARTIFACTS, LiveServer, request_in_early_intervention, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
ENTERPRISE, STAFF, DIRECTOR = (
    "contact@boshi-med.example.cn",
    "ccnd.staff@demo.jl.gov.cn",
    "ccnd.director@demo.jl.gov.cn",
)
ADMIN = "admin@demo.jl.gov.cn"
# Long unbroken words are what push a narrow page sideways.
TITLE = "医疗器械软件注册申报资料中网络安全与数据接口说明的编写要求（DICOM/HL7-FHIR-interoperability）"
PLAN_TITLE = "数字化X射线摄影系统与影像辅助诊断软件全程指导“一企一策”服务方案"

# The innermost elements, outside any scrolling box, that reach past the viewport's right edge, as a CSS path, or "".
WIDEST_ELEMENT = """() => {
  const limit = document.documentElement.clientWidth;
  const path = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && node !== document.body; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) part += '#' + node.id;
      if (node.classList.length) part += '.' + [...node.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const clipped = (el) => {
    // An absolutely placed element escapes every scrolling box below its containing block.
    const start = getComputedStyle(el).position === 'absolute' ? el.offsetParent : el.parentElement;
    for (let node = start; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== 'visible') return true;
    }
    return false;
  };
  const offenders = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > limit + 0.5 && !clipped(el));
  const deepest = offenders.filter((el) => !offenders.some((other) => other !== el && el.contains(other)));
  return deepest.slice(0, 3).map(path).join('\\n');
}"""


def _arrange(live_server: LiveServer) -> dict[str, int]:
    """A request of 长春博识 in early intervention with a long title, and a plan for the company."""
    with live_server.session() as session:
        contact = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        staff = session.scalars(select(User).where(User.email == STAFF)).one()
        request_id = request_in_early_intervention(
            live_server, contact.id, staff.id, TITLE, "软件更新是否需要重新提交网络安全资料？" * 8
        )
        plan = plans.create_plan(
            session,
            staff,
            contact.enterprise_id,
            plans.PlanFields(
                title=PLAN_TITLE,
                goals="一年内完成型式检验与临床评价。",
                products="数字化X射线摄影系统",
                liaison_id=staff.id,
            ),
        )
        return {"request": request_id, "plan": plan.id}


def _main_pages(ids: dict[str, int]) -> dict[str, list[str]]:
    search = "/search/?q=" + "注册"
    desk_queues = [
        f"/desk/?queue={q}" for q in ("new", "mine", "unassigned", "waiting", "overdue", "open", "escalated", "all")
    ]
    return {
        ENTERPRISE: [
            "/portal/",
            f"/portal/requests/{ids['request']}",
            "/portal/requests/new",
            "/plans/ours",
            "/portal/?queue=all",
            search,
            "/notifications/",
            "/account/tokens/",
        ],
        STAFF: [
            *desk_queues,
            f"/desk/requests/{ids['request']}",
            "/desk/enterprises",
            "/instructions/",
            "/hotline/",
            "/plans/",
            f"/plans/{ids['plan']}",
            "/task-forces/mine",
            search,
            "/notifications/",
        ],
        DIRECTOR: [
            "/director/",
            "/director/cases",
            "/director/escalated",
            "/desk/?queue=all",
            f"/desk/requests/{ids['request']}",
            "/plans/",
            "/plans/awaiting-approval",
            "/plans/overdue",
            f"/plans/{ids['plan']}",
            "/instructions/",
            "/hotline/",
            search,
        ],
        ADMIN: ["/admin/users", "/admin/stations", "/admin/sla", "/admin/calendar", "/director/"],
    }


def _phone(browser: Any, live_server: LiveServer, locale: str = "zh-CN") -> Any:
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport=PHONE)
    context.set_default_timeout(10_000)
    return context


def _sideways(page: Any) -> str | None:
    """What makes the page wider than the phone, or None when it fits."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    return f"scrollWidth {width}: {page.evaluate(WIDEST_ELEMENT)}"


def test_no_main_page_scrolls_sideways_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    ids = _arrange(live_server)
    failures = []
    for email, paths in _main_pages(ids).items():
        context = _phone(browser, live_server)
        page = context.new_page()
        sign_in(page, email)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{email} {path}: {response and response.status}"
            problem = _sideways(page)
            if problem:
                failures.append(f"{email} {path}: {problem}")
        context.close()
    assert not failures, "\n".join(failures)


def test_the_phone_queue_folds_its_filters_behind_one_button(browser: Any, live_server: LiveServer) -> None:
    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, STAFF)
    page.goto("/desk/?queue=all")
    filters = page.locator("details.filters-fold")
    assert filters.count() == 1
    assert not page.locator("details.filters-fold select").first.is_visible()
    filters.locator("summary").click()
    assert page.locator("details.filters-fold select").first.is_visible()
    context.close()


def test_an_enterprises_header_shows_its_work_and_keeps_tokens_under_the_account_menu(
    browser: Any, live_server: LiveServer
) -> None:
    context = _phone(browser, live_server)
    page = context.new_page()
    sign_in(page, ENTERPRISE)
    main_links = page.locator("nav.main-nav a")
    hrefs = [main_links.nth(i).get_attribute("href") for i in range(main_links.count())]
    assert {"/portal/", "/portal/?queue=all", "/plans/ours", "/portal/#company"} <= set(hrefs)
    assert "/account/tokens/" not in hrefs
    account = page.locator("details.account-menu")
    assert not account.locator("a[href='/account/tokens/']").is_visible()
    account.locator("summary").click()
    assert account.locator("a[href='/account/tokens/']").is_visible()
    assert (
        account.locator("a[href='/account/two-factor']").count()
        + account.locator("a[href^='/account/two-factor']").count()
        >= 1
    )
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_screenshots_at_a_phones_width(browser: Any, live_server: LiveServer, language: str) -> None:
    ids = _arrange(live_server)
    context = _phone(browser, live_server, locale="zh-CN" if language == "zh" else "en-US")
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, STAFF)
    for name, path in (("desk-queue", "/desk/?queue=all"), ("desk-request", f"/desk/requests/{ids['request']}")):
        page.goto(path)
        page.screenshot(path=str(ARTIFACTS / f"phone-{name}-{language}.png"), full_page=True)
    context.close()
