"""What the browser tests share besides fixtures: the live server they drive, signing in through the login form,
the steps every journey takes on a page (opening a step's form, sending a form, a supervision order's step), a
request brought to early intervention through the operations, and where screenshots go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from config import Settings
from service import PROJECT_DIR
from service.demo.seed import DEMO_PASSWORD
from service.models import Category, LifecycleStage, Priority, User
from service.models.base import utcnow
from service.operations.requests import RequestDraft, submit_request, take_action, triage_request
from service.rules.lifecycle import Action

ARTIFACTS = PROJECT_DIR / "test-artifacts"
# The <html lang> of a page in each of the app's languages.
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@dataclass
class LiveServer:
    url: str
    app: Flask
    database_url: str

    def session(self) -> Session:
        """A session on the live server's database, for arranging and checking data."""
        return self.app.extensions["db_sessions"]()

    @property
    def settings(self) -> Settings:
        return self.app.extensions["settings"]  # type: ignore[no-any-return]


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD, language: str = "zh") -> None:
    """Sign in through the login form as a new visitor (no cookie of an earlier sign-in).

    The pages read in ``language`` ("zh", the app's own, or "en"), whatever language an earlier test left the
    account in (the choice is kept on the account, and the tests share the demo accounts).
    """
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    if page.locator("html").get_attribute("lang") != HTML_LANG[language]:
        page.locator("form.lang button").click()
        page.wait_for_load_state()


def console_errors(page: Any) -> list[str]:
    """The console errors ``page`` logs from now on (a CSP violation, inline script or style, shows up as one)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def open_form(page: Any, summary: str) -> Any:
    """The form behind a step's (or a panel's) summary, opened (a click on the summary of one the page opened
    already would close it)."""
    details = page.locator("details", has=page.locator("summary", has_text=summary)).first
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")


def send(form: Any) -> None:
    form.locator("button[type=submit]").click()
    form.page.wait_for_load_state()


def post(page: Any, action_end: str) -> None:
    """Send the page's form whose action ends with ``action_end``."""
    send(page.locator(f"form[action$='{action_end}']"))


def order_step(page: Any, order_id: int, step: str, summary: str, text: str) -> None:
    """Open the step's fold on the supervision order, type the text and send it; the page says it was done."""
    page.locator(f"#order-{order_id} summary", has_text=summary).click()
    if text:
        page.fill(f"#o{order_id}-{step}-text", text)
    page.locator(f"form[action$='/orders/{order_id}/{step}'] button").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1


def weekday_in(days: int) -> date:
    """The first Monday-to-Friday date at least ``days`` days from today."""
    day = (utcnow() + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def shoot(page: Any, name: str, full_page: bool = True) -> None:
    """A screenshot of ``page`` as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def request_in_early_intervention(
    live_server: LiveServer, contact_id: int, staff_id: int, title: str, description: str
) -> int:
    """A request of the contact's company, triaged to the staff member, in early intervention; its id."""
    settings = live_server.settings.desk
    with live_server.session() as session:
        contact, staff = session.get(User, contact_id), session.get(User, staff_id)
        request = submit_request(
            session,
            contact,
            RequestDraft(
                title=title,
                description=description,
                category=Category.CLINICAL_EVALUATION,
                lifecycle_stage=LifecycleStage.TYPE_TESTING,
            ),
            settings=settings,
        )
        request = triage_request(
            session,
            staff,
            request.id,
            request.version,
            category=request.category,
            priority=Priority.P2,
            lifecycle_stage=request.lifecycle_stage,
            assignee_id=staff.id,
            settings=settings,
        )
        request = take_action(session, staff, request.id, request.version, Action.START_INTERVENTION, settings=settings)
        return request.id
