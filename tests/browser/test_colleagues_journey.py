"""In Chromium: an enterprise's administrator invites a colleague, who opens the mailed link, chooses a password and
sees the enterprise's requests; the desk's page of that enterprise, in Chinese and in English."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.demo.seed import demo_user
from service.models import Category, LifecycleStage
from service.models.base import utcnow
from service.operations.requests import RequestDraft, submit_request
from service.web.common.mail import send_due_mail
from tests.browser.live import LiveServer, shoot, sign_in

ADMINISTRATOR = "contact@boshi-med.example.cn"
INVITED = "zhou.min@boshi-med.example.cn"
PASSWORD = "Colleague-Password-8"


def _invitation_link(live_server: LiveServer) -> str:
    """Deliver the outbox as `flask send-mail` does (no SMTP_HOST: .eml files) and read the invitation's link."""
    with live_server.app.app_context(), live_server.session() as session:
        send_due_mail(session, live_server.settings, utcnow())
    for path in Path(live_server.settings.mail_folder).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"].addresses[0].addr_spec == INVITED:
            assert "邀请您加入长春博识医疗科技有限公司" in message["Subject"]
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/invitation/\S+", body.get_content())
            assert found, body.get_content()
            return found.group(0)
    raise AssertionError("no invitation mail was delivered")


def _enterprise_request(live_server: LiveServer) -> tuple[str, int]:
    """A request the administrator submitted: its reference and its enterprise's id."""
    with live_server.session() as session:
        administrator = demo_user(session, ADMINISTRATOR)
        request = submit_request(
            session,
            administrator,
            RequestDraft(
                title="影像软件的分类界定咨询",
                description="请指导医学影像处理软件的管理类别。",
                category=Category.REGISTRATION_DOSSIER,
                lifecycle_stage=LifecycleStage.REGISTRATION_SUBMISSION,
                product_name="医学影像处理软件",
            ),
            settings=live_server.settings.desk,
        )
        return request.reference, request.enterprise_id


def test_an_invited_colleague_joins_and_sees_the_enterprises_requests(page: Any, live_server: LiveServer) -> None:
    reference, enterprise_id = _enterprise_request(live_server)

    sign_in(page, ADMINISTRATOR)
    page.get_by_role("link", name="同事").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "同事"
    page.fill("#email", INVITED)
    page.get_by_role("button", name="发送邀请").click()
    page.wait_for_load_state()
    assert INVITED in page.locator(".flash-success").inner_text()
    assert INVITED in page.locator("main").inner_text()  # among the pending invitations
    shoot(page, "colleagues-invited-zh")

    mailed = _invitation_link(live_server)
    assert mailed.startswith(live_server.settings.base_url + "/invitation/")
    page.context.clear_cookies()
    page.goto(urlsplit(mailed).path)
    assert "长春博识医疗科技有限公司" in page.locator("h1").inner_text()
    page.fill("#name", "周敏")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    shoot(page, "colleagues-accept-zh")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/portal/"
    page.goto("/portal/?queue=all")
    assert reference in page.locator("main").inner_text()
    page.get_by_role("link", name="同事").click()
    page.wait_for_load_state()
    listed = page.locator("main").inner_text()
    assert "周敏" in listed and "刘洋" in listed
    assert page.locator("form[action$='/invite']").count() == 0  # a member sees the list, and does not manage it

    # The link worked once.
    page.goto(urlsplit(mailed).path)
    assert urlsplit(page.url).path == "/" or "已被接受" in page.locator("body").inner_text()

    sign_in(page, "ccnd.staff@demo.jl.gov.cn")
    page.goto(f"/desk/enterprises/{enterprise_id}")
    main = page.locator("main").inner_text()
    assert "统一社会信用代码" in main and "周敏" in main and reference in main
    shoot(page, "enterprise-page-zh")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert "Satisfaction over the last 12 months" in page.locator("main").inner_text()
    shoot(page, "enterprise-page-en")
