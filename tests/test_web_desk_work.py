"""Everyone sees their part (issue 23, item 9) on the pages: the desk's work queues with their counts, in English
and Chinese; a result to visit opening at the visit's form; a head's "Results to review" in the menu with its
count; the same queues in the CSV export and the API."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import ServiceRequest, Status, SupervisionOrder
from service.models.base import utcnow
from service.operations import api_tokens
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension
from service.operations.supervision_orders import OrderDraft, issue_order
from service.rules.extensions import ExtensionAction
from service.rules.lifecycle import Action
from tests.factories import People
from tests.request_helpers import act, in_status
from tests.suite import login

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
LATER = (utcnow() + timedelta(days=60)).date()


def _tab(page: str, queue: str) -> str:
    """The queue's tab as it reads (its label and count), tags stripped."""
    found = re.search(rf'<a href="/desk/\?queue={queue}"[^>]*>(.*?)</a>', page)
    assert found, queue
    return re.sub(r"<[^>]+>", "", found.group(1))


def _results(session: Session, people: People, app_settings) -> tuple[ServiceRequest, ServiceRequest]:  # type: ignore[no-untyped-def]
    """A request of the officer's long past its due time, and a result the officer gave just now."""
    overdue = in_status(session, people, app_settings, Status.TRIAGED)
    result = in_status(session, people, app_settings, Status.TRIAGED)
    return overdue, act(session, people.staff, result, Action.RESOLVE, app_settings, utcnow(), summary="已答复")


def test_the_desk_counts_what_waits_for_the_reader_in_both_languages(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    overdue, result = _results(session, people, app_settings)
    login(client, people.staff)
    page = client.get("/desk/", headers=EN).get_data(as_text=True)
    assert _tab(page, "due") == "Due or overdue 1" and _tab(page, "to_visit") == "To visit"  # not their own result
    assert _tab(page, "all") == "All"  # no count beside a queue that is not work waiting
    zh = client.get("/desk/", headers=ZH).get_data(as_text=True)
    assert _tab(zh, "due") == "临期及超期 1" and _tab(zh, "to_sign") == "待我签收"
    due = client.get("/desk/?queue=due", headers=EN).get_data(as_text=True)
    assert overdue.reference in due and result.reference not in due

    login(client, people.staff2)
    for headers, label, visit_by in ((EN, "To visit 1", "Visit by"), (ZH, "待回访 1", "前回访")):
        listed = client.get("/desk/?queue=to_visit", headers=headers).get_data(as_text=True)
        assert _tab(listed, "to_visit") == label
        # The row opens the request at its visit's form, which the page has under that anchor.
        assert f'href="/desk/requests/{result.id}#visit"' in listed and visit_by in listed
        assert overdue.reference not in listed
    request_page = client.get(f"/desk/requests/{result.id}", headers=EN).get_data(as_text=True)
    assert f'id="visit" method="post" action="/desk/requests/{result.id}/visit"' in request_page


def test_a_head_finds_the_results_to_review_in_the_menu_with_their_count(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    login(client, people.director)
    item = '<a href="/desk/?queue=review">Results to review</a>'
    assert item in client.get("/director/extensions", headers=EN).get_data(as_text=True)
    in_status(session, people, app_settings, Status.REVIEW)
    for headers, text in ((EN, "Results to review"), (ZH, "待审核办结")):
        menu = client.get("/director/extensions", headers=headers).get_data(as_text=True)
        assert f'<a href="/desk/?queue=review">{text} <span class="badge">1</span></a>' in menu
    login(client, people.other_director)  # another station's head has none to review
    assert item in client.get("/director/extensions", headers=EN).get_data(as_text=True)
    login(client, people.staff)  # an officer reviews nothing: no such menu item
    assert "/desk/?queue=review" not in client.get("/director/extensions", headers=EN).get_data(as_text=True)


def test_the_work_queues_export_and_answer_over_the_api(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    overdue, result = _results(session, people, app_settings)
    for user, queue, expected in ((people.staff, "due", overdue), (people.staff2, "to_visit", result)):
        token = api_tokens.create_token(session, user, "t", "read", 30, max_days=30).secret
        answer = client.get(f"/api/v1/queue?queue={queue}", headers={"Authorization": f"Bearer {token}"})
        assert [item["id"] for item in answer.get_json()["items"]] == [expected.id]
    login(client, people.staff2)
    assert result.reference in client.get("/export/requests.csv?queue=to_visit").get_data(as_text=True)


def test_each_supervision_tier_on_the_dashboard_counts_the_orders_its_link_lists(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    now = utcnow()
    request = in_status(session, people, app_settings, Status.TRIAGED)
    deadlines = {
        "red": now - timedelta(days=30),
        "yellow": now - timedelta(minutes=5),
        "blue": now + timedelta(hours=1),
    }
    for tier, deadline in {**deadlines, "also red": now - timedelta(days=40)}.items():
        order = issue_order(
            session, people.director, OrderDraft(tier, "报送落实情况", now + timedelta(days=9)), request_id=request.id
        )
        session.execute(update(SupervisionOrder).where(SupervisionOrder.id == order.id).values(deadline=deadline))
    session.commit()
    for user, station in ((people.hub_director, ""), (people.hub_director, f"&station_id={request.station_id}")):
        login(client, user)
        board = client.get("/director/" + (f"?station={request.station_id}" if station else ""), headers=EN)
        tiles = re.findall(
            r'<li class="tile tier-(\w+)">\s*<a href="([^"]+)"><span class="tile-value">(\d+)</span>',
            board.get_data(as_text=True),
        )
        assert {tier: int(count) for tier, _, count in tiles} == {"blue": 1, "yellow": 1, "red": 2}
        for tier, href, count in tiles:
            link = html.unescape(href)
            assert link == f"/supervision/?tier={tier}{station}"
            listed = client.get(link, headers=EN).get_data(as_text=True)
            assert listed.count("data-order=") == int(count), tier


def test_the_enterprise_sees_its_promised_date_and_is_asked_to_rate_the_result(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    working = in_status(session, people, app_settings, Status.TRIAGED)
    ask_extension(
        session,
        people.staff,
        working.id,
        working.version,
        ExtensionAsk(LATER, "等待检验报告"),
        settings=app_settings,
    )
    session.refresh(working)
    decide_extension(
        session, people.director, working.id, working.version, ExtensionAction.APPROVE, "同意", settings=app_settings
    )
    resolved = in_status(session, people, app_settings, Status.RESOLVED)
    login(client, people.owner)
    for headers, promised, rate in (
        (EN, "Promised completion date", "Please rate the service"),
        (ZH, "承诺办结时间", "请为服务打分"),
    ):
        page = client.get(f"/portal/requests/{working.id}", headers=headers).get_data(as_text=True)
        assert promised in page and "等待检验报告" in page
        page = client.get(f"/portal/requests/{resolved.id}", headers=headers).get_data(as_text=True)
        # The confirmation's fold is open at the rating: the page asks for it.
        fold = page[page.index('<details class="req-step" open>') :]
        fold = fold[: fold.index("</details>")]
        assert f'action="/portal/requests/{resolved.id}/actions/confirm"' in fold and rate in fold
        assert 'name="confirm-rating"' in fold
