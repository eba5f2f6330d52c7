"""What the browser tests share besides fixtures: the live server they drive, signing in through the login form,
a request brought to early intervention through the operations, and where screenshots go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from config import Settings
from service import PROJECT_DIR
from service.demo.seed import DEMO_PASSWORD
from service.models import Category, LifecycleStage, Priority, User
from service.operations.requests import RequestDraft, submit_request, take_action, triage_request
from service.rules.lifecycle import Action

ARTIFACTS = PROJECT_DIR / "test-artifacts"


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


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form as a new visitor (no cookie of an earlier sign-in)."""
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


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
