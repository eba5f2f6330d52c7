"""In Chromium: an enterprise registers, signs in, switches language and signs out; screenshots of the first pages."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import select

from service.models import Enterprise, Station, User
from service.rules.credit_code import complete
from tests.browser.live import ARTIFACTS, LiveServer

_serial = itertools.count(1)


def _text(live_server: LiveServer, locale: str, msgid: str) -> str:
    """What the app shows for ``msgid`` to a reader of ``locale``."""
    with live_server.app.test_request_context(headers={"Accept-Language": locale}):
        return gettext(msgid)


def _path(page: Any) -> str:
    return urlsplit(page.url).path


def _collect_console_errors(page: Any) -> list[str]:
    # A CSP violation (inline script or style) shows up here as an error.
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _submit(page: Any) -> None:
    page.locator("main form button[type=submit]").last.click()


def _fill_registration(page: Any, live_server: LiveServer, email: str) -> tuple[str, str]:
    n = next(_serial)
    code = complete(f"91220100{n:04d}MA1B")
    company = f"吉林浏览器测试医疗器械{n}有限公司"
    with live_server.session() as session:
        station_id = session.scalars(select(Station.id).where(Station.code == "JL-CCND")).one()

    page.goto("/register")
    page.fill("#company_name", company)
    page.fill("#credit_code", code.lower())
    page.fill("#city", "长春市")
    page.select_option("#station_id", str(station_id))
    page.select_option("#size", "small")
    page.get_by_role("checkbox", name=_text(live_server, "zh", "Medical imaging")).check()
    page.get_by_role("checkbox", name=_text(live_server, "zh", "Medical software / AI")).check()
    page.fill("#contact_name", "韩梅梅")
    page.fill("#email", email)
    page.fill("#password", "Browser-Test-2026")
    page.fill("#confirm", "Browser-Test-2026")
    return code, company


def _sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    _submit(page)


def _switch_language(page: Any) -> None:
    page.locator("form.lang button").click()
    page.wait_for_load_state()


def test_an_enterprise_registers_signs_in_switches_language_and_signs_out(page: Any, live_server: LiveServer) -> None:
    errors = _collect_console_errors(page)
    email = "han.meimei@browser.example.cn"

    code, company = _fill_registration(page, live_server, email)
    _submit(page)

    assert _path(page) == "/login"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".flash-success").is_visible()
    with live_server.session() as session:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one()
        assert enterprise.name == company and not enterprise.verified
        assert enterprise.product_areas == ["imaging", "software_ai"]
        assert session.scalars(select(User).where(User.email == email)).one().enterprise_id == enterprise.id

    _sign_in(page, email, "Browser-Test-2026")

    assert _path(page) == "/portal/"
    assert company in page.locator("main").inner_text()
    zh_heading = page.locator("h1").inner_text()
    sign_out = page.locator("header form button.link")
    assert sign_out.inner_text() == _text(live_server, "zh", "Sign out")

    _switch_language(page)

    assert _path(page) == "/portal/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert sign_out.inner_text() == "Sign out"
    en_heading = page.locator("h1").inner_text()
    assert en_heading != zh_heading
    page.reload()
    assert page.locator("h1").inner_text() == en_heading, "the language choice is not remembered"

    _switch_language(page)

    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == zh_heading

    sign_out.click()
    page.wait_for_load_state()

    assert _path(page) == "/login"
    page.goto("/portal/")
    assert _path(page) == "/login"
    assert "next=" in page.url
    assert errors == []


def test_the_registration_form_shows_what_is_wrong(page: Any, live_server: LiveServer) -> None:
    _fill_registration(page, live_server, "wrong.code@browser.example.cn")
    page.fill("#credit_code", "91350100M000100Y44")
    _submit(page)

    assert _path(page) == "/register"
    assert page.locator("#credit_code[aria-invalid=true]").is_visible()
    assert page.locator("#credit_code-error").inner_text() == _text(
        live_server, "zh", "This is not a valid unified social credit code."
    )
    assert page.locator(".form-errors").is_visible()
    # What was typed is kept, except the passwords.
    assert page.locator("#email").input_value() == "wrong.code@browser.example.cn"


def test_the_registration_form_shows_every_problem_at_once(page: Any, live_server: LiveServer) -> None:
    _fill_registration(page, live_server, "many.problems@browser.example.cn")
    page.fill("#credit_code", "91350100M000100Y44")
    page.fill("#password", "password123")
    page.fill("#confirm", "password123")
    _submit(page)

    assert _path(page) == "/register"
    assert page.locator("#credit_code[aria-invalid=true]").is_visible()
    assert page.locator("#password[aria-invalid=true]").is_visible()
    assert page.locator("#password-error").inner_text() == _text(
        live_server, "zh", "This password is too common or too easy to guess; please choose another."
    )


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_screenshots_of_the_first_pages_in_both_languages(browser: Any, live_server: LiveServer) -> None:
    for locale, lang in (("zh-CN", "zh"), ("en-GB", "en")):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = _collect_console_errors(page)
        for path in ("/login", "/register"):
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
            _shoot(page, f"foundation{path.replace('/', '-')}-{lang}")
        _sign_in(page, "admin@demo.jl.gov.cn", "Demo-Desk-2026")
        assert _path(page) == "/admin/users"
        _shoot(page, f"foundation-admin-users-{lang}")
        page.set_viewport_size({"width": 390, "height": 844})
        _shoot(page, f"foundation-admin-users-{lang}-mobile")
        assert errors == []
        context.close()


def test_every_field_has_a_label(page: Any) -> None:
    for path in ("/login", "/register"):
        page.goto(path)
        for field in page.locator("main input:not([type=hidden]), main select").all():
            labels = field.evaluate("element => Array.from(element.labels, label => label.innerText.trim())")
            assert len(labels) == 1 and labels[0], (path, field.get_attribute("name"))
        assert page.locator("main#main").count() == 1 and page.locator("header").count() == 1
        assert re.fullmatch(r".+ · .+", page.title())


def test_a_new_enterprise_sees_that_it_awaits_verification_and_the_upload_limits(
    page: Any, live_server: LiveServer
) -> None:
    email = "li.lei@browser.example.cn"
    _fill_registration(page, live_server, email)
    _submit(page)
    _sign_in(page, email, "Browser-Test-2026")

    assert _path(page) == "/portal/"
    notice = page.locator("main .flash-warning")
    assert notice.is_visible()
    assert "统一社会信用代码" in notice.inner_text() and "服务站" in notice.inner_text()

    page.goto("/portal/requests/new")
    hint = page.locator(".field:has(input[type=file]) .hint")
    assert hint.is_visible()
    settings = live_server.settings
    limit = round(settings.max_attachment_bytes / (1024 * 1024), 1)
    assert f"每次最多 {settings.max_attachments_per_message} 个文件" in hint.inner_text()
    assert f"不超过 {limit} MB" in hint.inner_text() and "PDF" in hint.inner_text()
