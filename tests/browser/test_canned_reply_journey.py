"""In Chromium: an officer of 长春新区 puts a canned reply (常用回复) into the reply box of a request, filled in
for it, edits it there and sends it; the enterprise's name and the reference are in the sent reply, and the
canned reply's use is counted. In Chinese, then in English (the picker says which language each is in).

Screenshots of the picker with the reply box filled go to /tmp/i24-digest/ (canned-reply-zh.png, -en.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.demo.seed_canned_replies import seed_demo_canned_replies
from service.models import CannedReply, Enterprise, User
from tests.browser.live import LiveServer, console_errors, request_in_early_intervention, sign_in

pytestmark = pytest.mark.browser

OFFICER = "ccnd.staff@demo.jl.gov.cn"
ENTERPRISE = "contact@boshi-med.example.cn"
SHOTS = Path("/tmp/i24-digest")


def _arrange(live_server: LiveServer) -> tuple[int, str, str]:
    with live_server.session() as session:
        seed_demo_canned_replies(session)
        contact = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        officer = session.scalars(select(User).where(User.email == OFFICER)).one()
        enterprise = session.get_one(Enterprise, contact.enterprise_id).name
        contact_id, officer_id = contact.id, officer.id
    request_id = request_in_early_intervention(
        live_server, contact_id, officer_id, "浏览器测试：常用回复", "请问软件的分类如何确定？"
    )
    with live_server.session() as session:
        from service.models import ServiceRequest

        reference = session.get_one(ServiceRequest, request_id).reference
    return request_id, enterprise, reference


def _uses(live_server: LiveServer, title: str) -> int:
    with live_server.session() as session:
        return session.scalars(select(CannedReply.usage_count).where(CannedReply.title == title)).one()


@pytest.mark.parametrize(
    ("language", "title", "edit", "sent"),
    [
        ("zh", "受理告知", "（附：产品技术要求模板）", "回复已发送"),
        ("en", "Acknowledgement", " (template attached)", "The reply has been sent."),
    ],
)
def test_an_officer_inserts_a_canned_reply_edits_and_sends_it(
    page: Any, live_server: LiveServer, language: str, title: str, edit: str, sent: str
) -> None:
    errors = console_errors(page)
    request_id, enterprise, reference = _arrange(live_server)
    before = _uses(live_server, title)
    sign_in(page, OFFICER, language=language)
    page.goto(f"/desk/requests/{request_id}")

    box = page.locator("textarea[name=body]")
    box.fill("")
    page.locator("a[data-canned-picker]").click()
    page.locator("#canned-choices a", has_text=title).click()
    # Put in at the cursor, filled in for this request, and still editable: the page did not reload.
    filled = box.input_value()
    assert filled.startswith(("Dear " + enterprise, enterprise)) and reference in filled
    assert "{" not in filled
    assert page.url.endswith(f"/desk/requests/{request_id}")
    box.press("End")
    box.type(edit)
    SHOTS.mkdir(exist_ok=True)
    page.locator(".canned-picker").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"canned-reply-{language}.png"), full_page=True)

    page.locator("form[action$='/messages'] button[type=submit]").click()
    page.wait_for_load_state()
    assert sent in page.inner_text("body")
    assert filled + edit in page.inner_text("main")
    assert _uses(live_server, title) == before + 1
    assert errors == []
