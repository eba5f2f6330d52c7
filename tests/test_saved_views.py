"""Saved views: a user keeps a filtered list or search under a name, opens it again, deletes it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.errors import NotFound, ValidationError
from service.models import Role
from service.operations import saved_views as operations
from service.queries.saved_views import saved_views
from tests import factories
from tests.suite import login
from tests.web_requests_support import EN, send


def test_a_view_keeps_the_filters_but_not_the_position(session: Session) -> None:
    staff = factories.user(session, Role.STAFF)
    view = operations.save_view(
        session,
        staff,
        "  My   open P1  ",
        "desk.index",
        "queue=open&priority=P1&cursor=120&page=3&csrf_token=x&status=",
    )
    assert (view.name, view.query) == ("My open P1", "queue=open&priority=P1")


def test_saving_under_a_used_name_replaces_that_view(session: Session) -> None:
    staff = factories.user(session, Role.STAFF)
    operations.save_view(session, staff, "Mine", "desk.index", "queue=mine")
    operations.save_view(session, staff, "Mine", "desk.index", "queue=mine&priority=P2")
    operations.save_view(session, staff, "Mine", "search.index", "q=注册")
    views = saved_views(session, staff)
    assert [(v.endpoint, v.query) for v in views] == [
        ("desk.index", "queue=mine&priority=P2"),
        ("search.index", "q=%E6%B3%A8%E5%86%8C"),
    ]


def test_views_are_private_to_their_owner(session: Session) -> None:
    owner, other = factories.user(session, Role.STAFF), factories.user(session, Role.STAFF)
    view = operations.save_view(session, owner, "Mine", "desk.index", "queue=mine")
    assert saved_views(session, other) == []
    with pytest.raises(NotFound):
        operations.delete_view(session, other, view.id)
    operations.delete_view(session, owner, view.id)
    assert saved_views(session, owner) == []


@pytest.mark.parametrize(
    "name, endpoint, query",
    [
        ("", "desk.index", ""),
        ("x" * 121, "desk.index", ""),
        ("ok", "javascript:alert", ""),
        ("ok", "desk.index", "q=" + "a" * 2001),
    ],
)
def test_unsavable_views_are_refused(session: Session, name: str, endpoint: str, query: str) -> None:
    staff = factories.user(session, Role.STAFF)
    with pytest.raises(ValidationError):
        operations.save_view(session, staff, name, endpoint, query)


def test_a_user_keeps_a_bounded_number_of_views(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "MAX_VIEWS_PER_USER", 2)
    staff = factories.user(session, Role.STAFF)
    operations.save_view(session, staff, "a", "desk.index", "")
    operations.save_view(session, staff, "b", "desk.index", "")
    with pytest.raises(ValidationError):
        operations.save_view(session, staff, "c", "desk.index", "")


def test_save_open_and_delete_a_search_through_the_pages(client: FlaskClient, session: Session) -> None:
    staff = factories.user(session, Role.STAFF)
    login(client, staff)
    page = client.get("/search/?q=注册", headers=EN).get_data(as_text=True)
    assert 'name="endpoint" type="hidden" value="search.index"' in page
    response = send(client, "/search/views", {"name": "注册类", "endpoint": "search.index", "query": "q=注册"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/search/?q=")
    [view] = saved_views(session, staff)
    assert client.get(f"/search/views/{view.id}").headers["Location"] == response.headers["Location"]
    listing = client.get("/search/views", headers=EN).get_data(as_text=True)
    assert "注册类" in listing
    assert send(client, f"/search/views/{view.id}/delete", {}).status_code == 302
    assert saved_views(session, staff) == []


def test_only_list_pages_can_be_saved_and_only_own_views_opened(client: FlaskClient, session: Session) -> None:
    staff, other = factories.user(session, Role.STAFF), factories.user(session, Role.STAFF)
    view = operations.save_view(session, other, "Theirs", "desk.index", "queue=mine")
    login(client, staff)
    assert send(client, "/search/views", {"name": "x", "endpoint": "auth.logout", "query": ""}).status_code == 400
    assert client.get(f"/search/views/{view.id}").status_code == 404
    assert send(client, f"/search/views/{view.id}/delete", {}).status_code == 404
    response = send(client, "/search/views", {"name": "", "endpoint": "desk.index", "query": "queue=new"})
    assert response.status_code == 302 and saved_views(session, staff) == []


def test_the_filtered_desk_queue_offers_to_save_itself(client: FlaskClient, session: Session) -> None:
    staff = factories.user(session, Role.STAFF)
    operations.save_view(session, staff, "P1 mine", "desk.index", "queue=mine&priority=P1")
    login(client, staff)
    page = client.get("/desk/?queue=mine&priority=P1&cursor=5", headers=EN).get_data(as_text=True)
    assert 'name="query" type="hidden" value="queue=mine&amp;priority=P1"' in page
    assert "P1 mine" in page
