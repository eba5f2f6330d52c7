"""In Chromium, in both languages: an enterprise writing a request like one of its own is warned while it types
and again when it submits (it submits anyway); the station's staff see the possible duplicate on the new
request's page and merge it into the earlier one, whose page then shows the merged request's entries.
Screenshots go to test-artifacts/ (duplicate-warning-*, duplicate-candidates-*, duplicate-merged-*)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask_babel import gettext
from playwright.sync_api import expect
from sqlalchemy import select

from service.models import Category, LifecycleStage, ServiceRequest, Status, User
from service.operations.requests import RequestDraft, submit_request
from tests.browser.live import LiveServer, console_errors, shoot, sign_in

pytestmark = pytest.mark.browser

ENTERPRISE = "contact@boshi-med.example.cn"
STAFF = "ccnd.staff@demo.jl.gov.cn"
TITLES = {
    "zh": ("便携式超声诊断仪创新医疗器械特别审查申请资料咨询", "便携式超声诊断仪创新医疗器械特别审查申请材料的咨询"),
    "en": (
        "Special review application dossier for our portable ultrasound scanner",
        "Portable ultrasound scanner: special review application dossier",
    ),
}


def _t(live_server: LiveServer, locale: str, msgid: str, **params: object) -> str:
    with live_server.app.test_request_context(headers={"Accept-Language": locale}):
        return gettext(msgid, **params)


def _earlier(live_server: LiveServer, title: str) -> ServiceRequest:
    with live_server.session() as session:
        contact = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        draft = RequestDraft(
            title=title,
            description="产品为第三类有源设备，准备申请创新医疗器械特别审查。",
            category=Category.INNOVATIVE_SPECIAL_REVIEW,
            lifecycle_stage=LifecycleStage.REGISTRATION_SUBMISSION,
        )
        return submit_request(session, contact, draft, settings=live_server.settings.desk)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_duplicate_is_caught_on_the_form_and_merged_by_staff(
    page: Any, live_server: LiveServer, language: str
) -> None:
    t = lambda msgid, **params: _t(live_server, language, msgid, **params)  # noqa: E731 - keeps the steps short
    first_title, like_title = TITLES[language]
    earlier = _earlier(live_server, first_title)
    errors = console_errors(page)

    # While the enterprise types, its earlier request is shown beside the form.
    sign_in(page, ENTERPRISE, language=language)
    page.goto("/portal/requests/new")
    page.fill("#title", like_title)
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text(earlier.reference)
    expect(warning).to_contain_text(t("You may have asked this already."))
    page.fill("#description", "产品为第三类有源设备，请问特别审查申请资料如何准备？")
    page.select_option("#category", "innovative_special_review")
    page.select_option("#lifecycle_stage", "registration_submission")
    shoot(page, f"duplicate-warning-{language}")

    # Submitted, the form comes back with the warning and what was typed; confirmed, the request is made.
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    expect(page.locator("#title")).to_have_value(like_title)
    page.get_by_label(t("Submit anyway: this is a different matter")).check()
    page.locator("main form button.primary").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_have_count(1)
    with live_server.session() as session:
        duplicate = session.scalars(select(ServiceRequest).where(ServiceRequest.title == like_title)).one()

    # Staff see the earlier request among its possible duplicates and merge the new one into it.
    sign_in(page, STAFF, language=language)
    page.goto(f"/desk/requests/{duplicate.id}")
    candidates = page.locator(".req-duplicates")
    expect(candidates).to_contain_text(earlier.reference)
    expect(candidates).to_contain_text(re.compile(r"\d+%"))
    shoot(page, f"duplicate-candidates-{language}")
    candidates.locator("li", has_text=earlier.reference).get_by_role(
        "button", name=t("Merge this request into it")
    ).click()
    page.wait_for_load_state()

    # The merged request's address leads to the earlier one, which shows the merged request's entries.
    assert page.url.endswith(f"/desk/requests/{earlier.id}")
    expect(page.locator(".req-relations")).to_contain_text(duplicate.reference)
    expect(page.locator(".req-timeline")).to_contain_text(t("from %(reference)s", reference=duplicate.reference))
    shoot(page, f"duplicate-merged-{language}")
    with live_server.session() as session:
        merged = session.get(ServiceRequest, duplicate.id)
        assert merged is not None and (merged.status, merged.merged_into_id) == (Status.MERGED, earlier.id)
    page.goto(f"/desk/requests/{duplicate.id}")
    assert page.url.endswith(f"/desk/requests/{earlier.id}")
    assert errors == []
