"""In Chromium, in Chinese: a user who forgot the password asks for a link, reads the mail, follows it, signs in."""

from __future__ import annotations

import email
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.models import Role
from tests import factories
from tests.browser.live import LiveServer, shoot, sign_in

EMAIL = "recovery.journey@browser.example.cn"
NEW = "Recovered-Password-8"


def _mail_link(folder: Path) -> str:
    (path,) = folder.glob("recovery-*.eml")
    message = email.message_from_bytes(path.read_bytes())
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode(message.get_content_charset() or "utf-8")
    assert "分钟内" in body, body
    found = re.search(r"https?://\S+/password/reset/\S+", body)
    assert found, body
    return found.group(0)


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

    link = _mail_link(Path(live_server.settings.mail_folder))
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
