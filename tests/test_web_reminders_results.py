"""Reminders, results with their review, return visits and redos on the desk's and the portal's pages: each form
only for whom the policy allows, in English and in Chinese; the queues of the reminded and of results to review;
the administrator's switch of a station's review."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import ResultCategory, Satisfaction, ServiceRequest, Station, Status, User
from service.models.base import utcnow
from service.operations.reminders import remind_request
from service.operations.requests import redo_request
from service.operations.visits import VisitInput, record_visit
from service.rules.lifecycle import Action
from tests.factories import People
from tests.request_helpers import act, in_status, review_results
from tests.suite import login
from tests.test_chinese_pages import english_left, visible_text
from tests.web_requests_support import get, send, sent_back

LATER = (utcnow() + timedelta(days=60)).date()
ZH = {"Accept-Language": "zh-CN"}


def _fresh(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    return session.get_one(ServiceRequest, request_id)


def _now_resolved(session: Session, people: People, app_settings) -> ServiceRequest:  # type: ignore[no-untyped-def]
    """Resolved just now (the visit days count from the real time the pages are drawn at)."""
    request = in_status(session, people, app_settings, Status.TRIAGED)
    return act(session, people.staff, request, Action.RESOLVE, app_settings, utcnow(), summary="已答复")


def test_only_a_head_is_offered_the_reminder_and_the_officer_sees_it_in_the_queue(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    page_url = f"/desk/requests/{request.id}"
    form = f'action="/desk/requests/{request.id}/remind"'
    login(client, people.staff)
    assert form not in get(client, page_url).get_data(as_text=True)
    login(client, people.director)
    assert form in get(client, page_url).get_data(as_text=True)
    sent = send(client, f"/desk/requests/{request.id}/remind", {"remind-version": request.version}, prefix="remind")
    assert "This field is required." in sent_back(client, sent, page_url)
    sent = send(
        client,
        f"/desk/requests/{request.id}/remind",
        {"remind-version": request.version, "remind-message": "请本周内答复企业"},
        prefix="remind",
    )
    assert sent.status_code == 302 and _fresh(session, request.id).reminder_count == 1

    login(client, people.staff)
    queue = get(client, "/desk/?queue=reminded").get_data(as_text=True)
    row = queue[queue.index(request.reference) :]
    assert "Reminded ×1" in row[: row.index("</tr>")]
    page = get(client, page_url).get_data(as_text=True)
    assert '<dd class="req-reminders">1' in page and "请本周内答复企业" in page and "Reminder from the head" in page
    notices = get(client, "/notifications/").get_data(as_text=True)
    assert "Reminded" in notices and "reminder: 请本周内答复企业" in notices
    # The enterprise never sees the reminders.
    login(client, people.owner)
    assert "请本周内答复企业" not in get(client, f"/portal/requests/{request.id}").get_data(as_text=True)


def test_a_result_under_review_waits_for_the_head_and_the_enterprise_then_reads_it(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    review_results(session, request.station_id)
    login(client, people.staff)
    page_url = f"/desk/requests/{request.id}"
    page = get(client, page_url).get_data(as_text=True)
    assert 'name="resolve-result_category"' in page and 'name="resolve-result_basis"' in page
    sent = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {
            "resolve-version": request.version,
            "resolve-summary": "该情形暂不具备检验条件。",
            "resolve-result_category": "not_feasible",
        },
        prefix="resolve",
    )
    assert "The basis or the reason is required for this result." in sent_back(client, sent, page_url)
    sent = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {
            "resolve-version": request.version,
            "resolve-summary": "该情形暂不具备检验条件。",
            "resolve-result_category": "not_feasible",
            "resolve-result_basis": "省检院尚未取得该项检验资质。",
        },
        prefix="resolve",
    )
    assert sent.status_code == 302 and _fresh(session, request.id).status == Status.REVIEW
    page = get(client, page_url).get_data(as_text=True)
    assert (
        "Waiting for the head" in page and f'action="/desk/requests/{request.id}/actions/approve_closure"' not in page
    )

    login(client, people.owner)
    portal = get(client, f"/portal/requests/{request.id}").get_data(as_text=True)
    assert "该情形暂不具备检验条件" not in portal and "The station is finalising its result" in portal

    login(client, people.director)
    assert request.reference in get(client, "/desk/?queue=review").get_data(as_text=True)
    page = get(client, page_url).get_data(as_text=True)
    assert f'action="/desk/requests/{request.id}/actions/approve_closure"' in page
    assert f'action="/desk/requests/{request.id}/actions/send_back_closure"' in page
    current = _fresh(session, request.id)
    sent = send(
        client,
        f"/desk/requests/{request.id}/actions/approve_closure",
        {"approve_closure-version": current.version},
        prefix="approve_closure",
    )
    assert sent.status_code == 302 and _fresh(session, request.id).status == Status.RESOLVED

    login(client, people.owner)
    portal = get(client, f"/portal/requests/{request.id}").get_data(as_text=True)
    assert "Not feasible for now" in portal and "省检院尚未取得该项检验资质。" in portal
    assert "该情形暂不具备检验条件。" in portal


def test_the_visit_form_is_for_others_than_the_handler_and_the_redo_for_the_head_after_an_unhappy_visit(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = _now_resolved(session, people, app_settings)
    page_url = f"/desk/requests/{request.id}"
    visit_form, redo_form = (f'action="/desk/requests/{request.id}/{step}"' for step in ("visit", "redo"))
    login(client, people.staff)
    assert visit_form not in get(client, page_url).get_data(as_text=True)
    login(client, people.staff2)
    page = get(client, page_url).get_data(as_text=True)
    assert visit_form in page and redo_form not in page and "A return visit is due by" in page
    sent = send(
        client,
        f"/desk/requests/{request.id}/visit",
        {"visit-version": request.version, "visit-satisfaction": "unsatisfied", "visit-solved": "no"},
        prefix="visit",
    )
    assert sent.status_code == 302
    page = get(client, page_url).get_data(as_text=True)
    assert visit_form not in page and "Return visit: Unsatisfied · Not solved" in page

    login(client, people.director)
    page = get(client, page_url).get_data(as_text=True)
    assert redo_form in page
    current = _fresh(session, request.id)
    sent = send(
        client,
        f"/desk/requests/{request.id}/redo",
        {
            "redo-version": current.version,
            "redo-reason": "请当面答复",
            "redo-due_date": LATER.isoformat(),
            "redo-assignee_id": people.staff2.id,
        },
        prefix="redo",
    )
    assert sent.status_code == 302
    redone = _fresh(session, request.id)
    assert redone.redo_count == 1 and redone.assignee_id == people.staff2.id and redone.status == Status.TRIAGED
    page = get(client, page_url).get_data(as_text=True)
    assert '<dd class="req-redos">1</dd>' in page and "Redo ×1" in page
    # The result is taken down while the request is redone: the enterprise reads it on the timeline as the one
    # given before, and what is redone.
    login(client, people.owner)
    page = get(client, f"/portal/requests/{request.id}").get_data(as_text=True)
    assert 'class="panel req-outcome"' not in page
    assert "The result given before, which no longer stands:" in page and "请当面答复" in page


def test_the_administrator_switches_a_stations_review_on_and_off(
    client: FlaskClient, session: Session, people: People
) -> None:
    station = session.get_one(Station, people.enterprise.station_id)
    login(client, people.admin)
    assert "Head reviews results" in get(client, "/admin/stations").get_data(as_text=True)
    sent = send(client, f"/admin/stations/{station.id}/review-closures", {"review": "1"})
    assert sent.status_code == 302
    session.expire_all()
    assert session.get_one(Station, station.id).review_closures
    send(client, f"/admin/stations/{station.id}/review-closures", {"review": "0"})
    session.expire_all()
    assert not session.get_one(Station, station.id).review_closures
    login(client, people.director)
    assert send(client, f"/admin/stations/{station.id}/review-closures", {"review": "1"}).status_code == 403


def test_the_new_pieces_read_in_chinese(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    reminded = in_status(session, people, app_settings, Status.TRIAGED)
    remind_request(session, people.director, reminded.id, reminded.version, "请本周内答复企业")
    visited = _now_resolved(session, people, app_settings)
    record_visit(
        session,
        people.staff2,
        visited.id,
        visited.version,
        VisitInput(Satisfaction.VERY_UNSATISFIED, False, "企业称问题仍未解决"),
        settings=app_settings,
    )
    explained = in_status(session, people, app_settings, Status.TRIAGED)
    explained = act(
        session,
        people.staff,
        explained,
        Action.RESOLVE,
        app_settings,
        utcnow(),
        summary="该产品须按第三类管理。",
        result_category=ResultCategory.EXPLAINED,
        result_basis="《医疗器械分类目录》",
    )
    fresh = _now_resolved(session, people, app_settings)
    review = in_status(session, people, app_settings, Status.REVIEW)
    pages: list[tuple[User, list[str]]] = [
        (people.staff, [f"/desk/requests/{reminded.id}", "/desk/?queue=reminded", "/notifications/"]),
        (people.staff2, [f"/desk/requests/{fresh.id}", f"/desk/requests/{visited.id}"]),
        (
            people.director,
            [
                f"/desk/requests/{visited.id}",
                f"/desk/requests/{review.id}",
                f"/desk/requests/{reminded.id}",
                "/desk/?queue=review",
                "/notifications/",
            ],
        ),
        (people.owner, [f"/portal/requests/{explained.id}", f"/portal/requests/{review.id}"]),
        (people.admin, ["/admin/stations"]),
    ]
    leftovers = {}
    for user, paths in pages:
        login(client, user)
        for path in paths:
            response = client.get(path, headers=ZH)
            assert response.status_code == 200, path
            if found := english_left(visible_text(response.get_data(as_text=True), "zh-CN")):
                leftovers[f"{user.name} {path}"] = found
    assert not leftovers, "English left on Chinese pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in leftovers.items()
    )
    login(client, people.owner)
    portal = client.get(f"/portal/requests/{explained.id}", headers=ZH).get_data(as_text=True)
    assert "已解释说明" in portal and "《医疗器械分类目录》" in portal
    login(client, people.director)
    page = client.get(f"/desk/requests/{visited.id}", headers=ZH).get_data(as_text=True)
    assert "非常不满意" in page and "重办" in page


def test_after_a_redo_the_pages_keep_the_old_result_on_the_timeline_only(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = _now_resolved(session, people, app_settings)
    record_visit(
        session,
        people.staff2,
        request.id,
        request.version,
        VisitInput(Satisfaction.UNSATISFIED, False),
        settings=app_settings,
    )
    request = _fresh(session, request.id)
    redo_request(session, people.director, request.id, request.version, LATER, "请当面答复", settings=app_settings)
    old_result = '<p class="req-text">已答复</p>'
    pages = [(people.director, f"/desk/requests/{request.id}"), (people.owner, f"/portal/requests/{request.id}")]
    for user, path in pages:
        login(client, user)
        for headers, earlier in (
            ({"Accept-Language": "en"}, "The result given before, which no longer stands:"),
            (ZH, "此前给出、已不再有效的办理结果："),
        ):
            page = client.get(path, headers=headers).get_data(as_text=True)
            assert "req-outcome" not in page, path  # no current result
            timeline = page[page.index('class="req-timeline"') :]
            assert earlier in timeline and old_result in timeline[timeline.index(earlier) :], path
