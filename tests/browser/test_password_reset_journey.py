"""In Chromium: an administrator resets a staff member's password; the staff member must choose a new one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from service.demo.seed import DEMO_PASSWORD
from service.models import Role
from tests import factories
from tests.browser.live import LiveServer, sign_in

EMAIL = "reset.journey@browser.example.cn"


def test_the_temporary_password_is_shown_once_and_must_be_replaced(page: Any, live_server: LiveServer) -> None:
    with live_server.session() as session:
        user_id = factories.user(
            session, Role.STAFF, "JL-CCND", email=EMAIL, name="重置测试", password="Forgotten-Password-1"
        ).id

    sign_in(page, "admin@demo.jl.gov.cn", DEMO_PASSWORD)
    page.goto("/admin/users")
    page.locator(f"form[action='/admin/users/{user_id}/password-reset'] button").click()
    page.wait_for_load_state()
    temporary = page.locator("#temporary-password").inner_text()
    assert EMAIL in page.locator("main").inner_text() and len(temporary) == 19

    sign_in(page, EMAIL, temporary)
    page.goto("/desk/")
    assert urlsplit(page.url).path == "/account/password"
    assert page.locator(".flash-info").is_visible()

    page.fill("#current_password", temporary)
    page.fill("#new_password", "My-Own-Password-8")
    page.fill("#confirm", "My-Own-Password-8")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto("/desk/")
    assert urlsplit(page.url).path == "/desk/"
