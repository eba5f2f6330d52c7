"""The search page: who may use it, what it shows, and that user text reaches the page escaped."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from service.operations.requests import add_message, submit_request
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import draft, submit
from tests.suite import login
from tests.web_requests_support import get


def test_the_enterprise_finds_its_request_with_the_word_marked(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = submit(
        session,
        people,
        app_settings,
        title="<img src=x onerror=alert(1)> 注册咨询",
        description="关于注册的问题 & 其他",
    )
    login(client, people.owner)
    page = get(client, "/search/?q=注册").get_data(as_text=True)
    assert f'href="/portal/requests/{request.id}"' in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>注册</mark>咨询" in page
    assert "关于<mark>注册</mark>的问题 &amp; 其他" in page
    assert "<img src=x" not in page


def test_staff_results_link_to_the_desk_and_show_internal_note_matches(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = submit(session, people, app_settings, title="临床评价咨询")
    add_message(session, people.staff, request.id, "内部：建议组建专班", internal=True, settings=app_settings)
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


def test_result_pages_follow_each_other(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    for n in range(23):
        submit(session, people, app_settings, title=f"注册咨询 {n}")
    login(client, people.owner)
    first = get(client, "/search/?q=注册").get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first
    second = get(client, "/search/?q=注册&page=2").get_data(as_text=True)
    assert second.count('class="search-title"') == 3


def _case(session: Session, app_settings: DeskSettings) -> int:
    enterprise = factories.enterprise(session, "JL-CCND", name="长春某某医疗器械有限公司")
    contact = factories.user(session, Role.ENTERPRISE, enterprise_=enterprise)
    return submit_request(
        session, contact, draft(title="型式检验咨询", product_name="便携式超声诊断仪"), settings=app_settings
    ).id


def test_each_result_row_says_why_it_matched_in_english_and_chinese(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request_id = _case(session, app_settings)
    login(client, people.staff)
    page = get(client, "/search/?q=某某医疗").get_data(as_text=True)
    assert f'href="/desk/requests/{request_id}"' in page
    assert re.search(r'Matched:<span class="tag">enterprise name</span>', page)
    assert "长春<mark>某某医疗</mark>器械有限公司" in page
    page = get(client, "/search/?q=超声诊断 型式检验").get_data(as_text=True)
    assert re.search(r'Matched:<span class="tag">product</span><span class="tag">title/description</span>', page)
    assert "便携式<mark>超声诊断</mark>仪" in page and "<mark>型式检验</mark>咨询" in page
    with client.session_transaction() as browser:
        browser["locale"] = "zh"
    page = client.get("/search/?q=某某医疗").get_data(as_text=True)
    assert f'href="/desk/requests/{request_id}"' in page
    assert re.search(r'匹配：<span class="tag">企业名称</span>', page)
    queue = client.get("/desk/?queue=all&text=超声诊断").get_data(as_text=True)
    assert f'href="/desk/requests/{request_id}"' in queue and re.search(
        r'匹配：<span class="tag">产品名称</span>', queue
    )


def test_another_stations_staff_do_not_find_the_request(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request_id = _case(session, app_settings)
    login(client, people.other_staff)
    for typed in ("某某医疗", "超声诊断", "1"):
        page = get(client, f"/search/?q={typed}").get_data(as_text=True)
        assert f'/desk/requests/{request_id}"' not in page and "Matched:" not in page, typed
        queue = get(client, f"/desk/?queue=all&text={typed}").get_data(as_text=True)
        assert f'/desk/requests/{request_id}"' not in queue, typed
