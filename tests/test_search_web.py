"""The search page: who may use it, what it shows, and that user text reaches the page escaped."""
from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.operations.requests import add_message
from service.store.settings import DeskSettings
from tests.conftest import login
from tests.request_helpers import People, people, submit  # noqa: F401 - fixtures
from tests.web_requests_support import get, settings  # noqa: F401 - fixtures


def test_the_enterprise_finds_its_request_with_the_word_marked(client: FlaskClient, session: Session,
                                                               people: People, settings: DeskSettings) -> None:
    request = submit(session, people, settings, title="<img src=x onerror=alert(1)> 注册咨询",
                     description="关于注册的问题 & 其他")
    login(client, people.owner)
    page = get(client, "/search/?q=注册").get_data(as_text=True)
    assert f'href="/portal/requests/{request.id}"' in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>注册</mark>咨询" in page
    assert "关于<mark>注册</mark>的问题 &amp; 其他" in page
    assert "<img src=x" not in page


def test_staff_results_link_to_the_desk_and_show_internal_note_matches(client: FlaskClient, session: Session,
                                                                       people: People, settings: DeskSettings) -> None:
    request = submit(session, people, settings, title="临床评价咨询")
    add_message(session, people.staff, request.id, "内部：建议组建专班", internal=True, settings=settings)
    login(client, people.staff)
    page = get(client, "/search/?q=专班").get_data(as_text=True)
    assert f'href="/desk/requests/{request.id}"' in page and "Internal note" in page
    login(client, people.owner)
    page = get(client, "/search/?q=专班").get_data(as_text=True)
    assert "No request contains all of these words." in page and "专班</mark>" not in page


def test_the_search_page_needs_a_request_role(client: FlaskClient, people: People) -> None:
    assert client.get("/search/?q=注册").status_code == 302
    login(client, people.admin)
    assert get(client, "/search/?q=注册").status_code == 403


def test_bad_input_is_answered_not_failed(client: FlaskClient, people: People) -> None:
    login(client, people.staff)
    assert get(client, "/search/?q=" + "注" * 101).status_code == 400
    assert get(client, "/search/?q=注册&page=abc").status_code == 200
    assert get(client, "/search/?q=注册&page=-5").status_code == 200
    assert get(client, "/search/?q=%22%2A%29%28NEAR").status_code == 200


def test_result_pages_follow_each_other(client: FlaskClient, session: Session, people: People,
                                        settings: DeskSettings) -> None:
    for n in range(23):
        submit(session, people, settings, title=f"注册咨询 {n}")
    login(client, people.owner)
    first = get(client, "/search/?q=注册").get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first
    second = get(client, "/search/?q=注册&page=2").get_data(as_text=True)
    assert second.count('class="search-title"') == 3
