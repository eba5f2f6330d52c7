"""In Chromium, a request's whole journey between an enterprise and the station's staff, in two browsers.

The enterprise submits with a file; staff triage and ask for information; the enterprise
answers; a colleague's change makes the resolution stale (back on the page, nothing typed is lost); staff
resolve; the enterprise confirms with a rating. Each step checks what each side sees.
Screenshots of the main pages in Chinese and English go to test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask_babel import gettext
from playwright.sync_api import expect
from sqlalchemy import select

from service.models import Category, LifecycleStage, Priority, ServiceRequest, User
from service.operations.instructions import write_instruction
from service.operations.requests import RequestDraft, submit_request, triage_request
from tests.browser.live import ARTIFACTS, LiveServer, sign_in

pytestmark = pytest.mark.browser

ENTERPRISE = "contact@boshi-med.example.cn"
STAFF = "ccnd.staff@demo.jl.gov.cn"
HUB_STAFF = "hub.staff@demo.jl.gov.cn"
ADMIN = "admin@demo.jl.gov.cn"
TITLE = "浏览器测试：型式检验方案咨询"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def _t(live_server: LiveServer, msgid: str, locale: str = "zh", **params: object) -> str:
    """What the app shows for ``msgid`` to a reader of ``locale``."""
    with live_server.app.test_request_context(headers={"Accept-Language": locale}):
        return gettext(msgid, **params)


def _open(browser: Any, live_server: LiveServer, errors: list[str]) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    # A CSP violation (inline script or style) shows up as a console error.
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page


def _press(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _open_step(page: Any, summary: str) -> None:
    page.locator("details summary", has_text=summary).click()


def _take_step(page: Any, action: str) -> None:
    page.locator(f"form[action$='/actions/{action}'] button[type=submit]").click()
    page.wait_for_load_state()


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _status(page: Any) -> Any:
    return page.locator(".page-head .req-status")


def test_a_request_from_submission_to_a_rated_closure(browser: Any, live_server: LiveServer) -> None:
    t = lambda msgid, **params: _t(live_server, msgid, **params)  # noqa: E731 - a short alias keeps steps readable
    errors: list[str] = []
    company, desk = _open(browser, live_server, errors), _open(browser, live_server, errors)

    # The enterprise submits a request with a file.
    sign_in(company, ENTERPRISE, language="zh")
    company.goto("/portal/requests/new")
    company.fill("#title", TITLE)
    company.fill("#description", "我们的便携式监护仪需要做型式检验，\n请指导检验方案。")
    company.select_option("#category", "type_testing")
    company.select_option("#lifecycle_stage", "type_testing")
    company.fill("#product_name", "便携式多参数监护仪")
    company.select_option("#device_class", "II")
    company.select_option("#product_type", "active")
    company.select_option("#product_field", "07")
    company.check("#innovative")
    company.check("#urgent")
    attachment = [{"name": "产品技术要求.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    company.set_input_files("#attachments", files=attachment)
    _shoot(company, "journey-portal-new-zh")
    _press(company, t("Submit the request"))
    # Other journeys give the shared demo enterprise requests that read alike ("浏览器测试：…检验…咨询"): the
    # duplicate warning may rightly come back first, with the file to choose again and "submit anyway".
    if company.locator("#submit_anyway").count():
        company.set_input_files("#attachments", files=attachment)
        company.check("#submit_anyway")
        _press(company, t("Submit the request"))

    assert re.fullmatch(r"/portal/requests/\d+", company.url.removeprefix(live_server.url))
    reference = company.locator("h1 .mono").inner_text()
    assert re.fullmatch(r"JL-\d{4}-\d{6}", reference)
    expect(_status(company)).to_have_text(t("Submitted"))
    expect(company.locator(".req-awaiting")).to_have_text(t("Awaiting triage by the station"))
    expect(company.locator("aside .req-files a")).to_have_text("产品技术要求.pdf")
    _shoot(company, "journey-portal-submitted-zh")

    # Staff find it among the new requests, triage it, note something internally and ask for information.
    sign_in(desk, STAFF, language="zh")
    desk.goto("/desk/?queue=new")
    expect(desk.locator("table.req-queue")).to_contain_text(TITLE)
    _shoot(desk, "journey-desk-queue-zh")
    desk.get_by_role("link", name=reference).click()
    desk.wait_for_load_state()
    desk.select_option("#triage-priority", "P2")
    desk.select_option("#triage-assignee_id", label="赵婷（长春新区）")
    _press(desk, t("Triage"))
    expect(_status(desk)).to_have_text(t("Triaged"))
    desk.check("input[name=visibility][value=internal]")
    desk.fill("#body", "内部：该企业去年已做过类似检验，可参考。")
    _press(desk, t("Save"))
    expect(desk.locator(".req-entry-message.req-internal")).to_contain_text(t("Internal"))
    _open_step(desk, t("Ask the enterprise for information"))
    desk.fill("#request_info-message", "请补充产品技术要求中的电气安全指标。")
    _take_step(desk, "request_info")
    expect(_status(desk)).to_have_text(t("Waiting for the enterprise"))
    expect(desk.locator(".page-head .tag.muted")).to_have_text(t("Paused"))
    _shoot(desk, "journey-desk-detail-zh")

    # The enterprise sees the question (never the internal note), and answers.
    company.reload()
    expect(_status(company)).to_have_text(t("Waiting for the enterprise"))
    expect(company.locator(".req-awaiting")).to_have_text(t("Awaiting your reply"))
    expect(company.locator(".req-timeline")).to_contain_text("电气安全指标")
    assert "去年已做过类似检验" not in company.content()
    expect(company.locator(".main-nav .badge")).to_be_visible()
    company.fill("#body", "已补充电气安全指标，见附件说明。")
    _press(company, t("Send"))
    expect(_status(company)).to_have_text(t("Triaged"))

    # Staff start resolving; a colleague re-triages meanwhile: the stale resolution is refused, the text kept.
    desk.reload()
    expect(desk.locator(".req-timeline")).to_contain_text("已补充电气安全指标")
    _open_step(desk, t("Resolve"))
    summary = "已确认检验方案：按 GB 9706.1 进行电气安全检验。"
    desk.fill("#resolve-summary", summary)
    with live_server.session() as session:
        hub_staff = session.scalars(select(User).where(User.email == HUB_STAFF)).one()
        current = session.scalars(select(ServiceRequest).where(ServiceRequest.reference == reference)).one()
        triage_request(
            session,
            hub_staff,
            current.id,
            current.version,
            category=current.category,
            priority=Priority.P1,
            lifecycle_stage=current.lifecycle_stage,
            assignee_id=current.assignee_id,
            settings=live_server.settings.desk,
        )
    _take_step(desk, "resolve")
    expect(desk.locator(".req-conflict h2")).to_have_text(t("Someone changed this request meanwhile"))
    expect(desk.locator("#resolve-summary")).to_have_value(summary)
    # Back on the request's own page (post/redirect/get): a reload shows the request, it sends nothing again.
    assert urlsplit(desk.url).path == f"/desk/requests/{current.id}"
    _shoot(desk, "journey-desk-conflict-zh")
    _take_step(desk, "resolve")
    expect(_status(desk)).to_have_text(t("Resolved"))

    # The enterprise confirms with a rating: the page asks for it, the confirmation's fold already open.
    company.reload()
    expect(company.locator(".req-outcome")).to_contain_text(summary)
    expect(company.locator("details", has=company.locator("form[action$='/actions/confirm']"))).to_have_attribute(
        "open", ""
    )
    company.check("input[name=confirm-rating][value='5']")
    company.fill("#confirm-message", "指导及时、专业。")
    _shoot(company, "journey-portal-confirm-zh")
    _take_step(company, "confirm")
    expect(_status(company)).to_have_text(t("Closed"))
    # Closed: no reply form, the page says how to reopen instead.
    expect(company.locator("#body")).to_have_count(0)
    expect(company.locator(".req-closed-note")).to_contain_text(t("Submit a new request"))
    expect(company.locator(".req-outcome")).to_contain_text(t("Rating: %(rating)s of 5", rating=5))
    desk.reload()
    expect(_status(desk)).to_have_text(t("Closed"))
    expect(desk.locator(".req-outcome")).to_contain_text("指导及时、专业。")
    assert errors == []
    company.context.close()
    desk.context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_screenshots_of_the_request_pages(browser: Any, live_server: LiveServer, language: str) -> None:
    errors: list[str] = []
    pages = {
        ENTERPRISE: ("/portal/", "/portal/requests/new", "/notifications/"),
        STAFF: ("/desk/", "/desk/?queue=all", "/desk/requests/new"),
        ADMIN: ("/admin/sla", "/admin/calendar?year=2026"),
    }
    with live_server.session() as session:
        # The journey's request, when it ran first (it belongs to the enterprise and the staff below).
        journey = session.scalars(select(ServiceRequest).where(ServiceRequest.title == TITLE)).first()
    for email, paths in pages.items():
        page = _open(browser, live_server, errors)
        sign_in(page, email, language=language)
        detail = {ENTERPRISE: "/portal/requests/%d", STAFF: "/desk/requests/%d"}.get(email)
        for path in (*paths, *((detail % journey.id,) if detail and journey else ())):
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-CN")
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
            _shoot(page, f"requests-{name}-{language}")
        if detail and journey:
            page.set_viewport_size({"width": 390, "height": 844})
            _shoot(page, f"requests-{email.split('@')[0].replace('.', '-')}-detail-{language}-mobile")
        page.context.close()
    assert errors == []


def test_resolving_with_an_open_instruction_asks_first(page: Any, live_server: LiveServer) -> None:
    """The resolve step lists the director's unacknowledged instruction and resolves once the box is ticked."""
    t = lambda msgid, **params: _t(live_server, msgid, **params)  # noqa: E731 - a short alias keeps steps readable
    settings = live_server.settings.desk
    with live_server.session() as session:
        users = {
            u.email: u
            for u in session.scalars(select(User).where(User.email.in_((ENTERPRISE, STAFF, "director@demo.jl.gov.cn"))))
        }
        submitted = submit_request(
            session,
            users[ENTERPRISE],
            RequestDraft(
                title="浏览器测试：办结前的批示",
                description="请指导。",
                category=Category.POLICY,
                lifecycle_stage=LifecycleStage.RESEARCH,
            ),
            settings=settings,
        )
        request = triage_request(
            session,
            users[STAFF],
            submitted.id,
            submitted.version,
            category=Category.POLICY,
            priority=Priority.P3,
            lifecycle_stage=LifecycleStage.RESEARCH,
            assignee_id=users[STAFF].id,
            settings=settings,
        )
        write_instruction(session, users["director@demo.jl.gov.cn"], request.id, "请先与企业确认检验机构")
        request_id = request.id
        # Earlier tests may have left the officer's account in English; this walk reads in Chinese.
        users[STAFF].locale = "zh"
        session.commit()
    sign_in(page, STAFF, language="zh")
    page.goto(f"/desk/requests/{request_id}")
    _open_step(page, t("Resolve"))
    page.fill("#resolve-summary", "已说明政策适用范围。")
    _take_step(page, "resolve")
    open_work = page.locator(".req-open-work")
    expect(open_work).to_contain_text(t("Instruction not acknowledged"))
    expect(open_work).to_contain_text("请先与企业确认检验机构")
    expect(page.locator("#resolve-summary")).to_have_value("已说明政策适用范围。")
    expect(_status(page)).to_have_text(t("Triaged"))
    _shoot(page, "journey-desk-resolve-open-work-zh")
    page.check("#resolve-confirmed")
    _take_step(page, "resolve")
    expect(_status(page)).to_have_text(t("Resolved"))
    expect(page.locator(".req-open-work")).to_have_count(0)
