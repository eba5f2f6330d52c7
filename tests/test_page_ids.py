"""Every id on a main page is unique and every <label for> names a control on the page (screen readers follow it)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.operations.requests import add_message
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import active_plan, triaged
from tests.suite import login
from tests.web_requests_support import get


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") is not None:
            self.ids.append(values["id"])  # type: ignore[arg-type]
        if tag == "label" and values.get("for") is not None:
            self.label_targets.append(values["for"])  # type: ignore[arg-type]


def _assert_ids_are_sound(html: str) -> None:
    parsed = _Ids()
    parsed.feed(html)
    duplicates = sorted(name for name, count in Counter(parsed.ids).items() if count > 1)
    assert duplicates == []
    assert sorted(set(parsed.label_targets) - set(parsed.ids)) == []


@pytest.fixture()
def pages(session: Session, people: People, app_settings: DeskSettings) -> dict[str, tuple[object, str]]:
    request = triaged(session, people, app_settings)
    add_message(session, people.staff, request.id, "请补充注册资料", settings=app_settings)
    plan = active_plan(session, people)
    return {
        "staff request page": (people.staff, f"/desk/requests/{request.id}"),
        "staff request page, director": (people.director, f"/desk/requests/{request.id}"),
        "plan page": (people.staff, f"/plans/{plan.id}"),
        "portal request page": (people.owner, f"/portal/requests/{request.id}"),
        "portal home": (people.owner, "/portal/"),
        "dashboard": (people.hub_director, "/director/"),
    }


@pytest.mark.parametrize(
    "page",
    [
        "staff request page",
        "staff request page, director",
        "plan page",
        "portal request page",
        "portal home",
        "dashboard",
    ],
)
def test_ids_are_unique_and_labels_point_at_controls(client: FlaskClient, pages, page: str) -> None:
    user, path = pages[page]
    login(client, user)
    response = get(client, path)
    assert response.status_code == 200
    _assert_ids_are_sound(response.get_data(as_text=True))
