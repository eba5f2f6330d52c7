"""In Chromium, in Chinese: a user who forgot the password asks for a link, reads the mail, follows it, signs in."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.models import Role
from service.models.base import utcnow
from service.web.common.mail import send_due_mail
from tests import factories
from tests.browser.live import LiveServer, shoot, sign_in

EMAIL = "recovery.journey@browser.example.cn"
NEW = "Recovered-Password-8"


def _mail_link(live_server: LiveServer) -> str:
    """Deliver the outbox as `flask send-mail` does (no SMTP_HOST: .eml files) and read the link from the mail."""
    with live_server.app.app_context(), live_server.session() as session:
        send_due_mail(session, live_server.settings, utcnow())
    for path in Path(live_server.settings.mail_folder).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"].addresses[0].addr_spec == EMAIL:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None and message["Subject"] == "设置新密码"
            text = body.get_content()
            assert "分钟内" in text, text
            found = re.search(r"https?://\S+/password/reset/\S+", text)
            assert found, text
            return found.group(0)
    raise AssertionError("no recovery mail was delivered")


def test_the_forgotten_password_is_replaced_through_the_mails_link(page: Any, live_server: LiveServer) -> None:
    with live_server.session() as session:
        factories.user(session, Role.ENTERPRISE, email=EMAIL, name="找回测试", password="Forgotten-Password-1")

    page.goto("/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.wait_for_load_state()
    shoot(page, "recovery-forgot-zh")
    page.fill("#email", EMAIL)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已发往该邮箱" in page.locator("#recovery-sent").inner_text()
    shoot(page, "recovery-sent-zh")

    mailed = _mail_link(live_server)
    # The mail's link starts with BASE_URL; the live server listens elsewhere, so the browser opens its path.
    assert mailed.startswith(live_server.settings.base_url + "/password/reset/")
    link = urlsplit(mailed).path
    page.goto(link)
    assert page.locator("h1").inner_text() == "设置新密码"
    shoot(page, "recovery-new-password-zh")
    page.fill("#new_password", NEW)
    page.fill("#confirm", NEW)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/login" and page.locator(".flash-success").is_visible()

    page.goto(link)
    assert urlsplit(page.url).path == "/password/forgot" and "此链接无效" in page.locator("main").inner_text()
    shoot(page, "recovery-used-link-zh")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Forgot your password?"
    shoot(page, "recovery-forgot-en")
    sign_in(page, EMAIL, NEW)
    assert urlsplit(page.url).path == "/portal/"
