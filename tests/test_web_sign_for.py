"""Sign-for, return and extensions on the desk's and the portal's pages: the forms appear only for whom the policy
allows, a return's reason shows on the page and in the queue, heads list the extensions waiting for them."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import ServiceRequest, Status
from service.models.base import utcnow
from service.operations.requests import assign_request
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension
from service.rules.extensions import ExtensionAction
from tests.conftest import login
from tests.request_helpers import TUESDAY_10, People, in_status, people  # noqa: F401 - fixtures
from tests.web_requests_support import get, send, sent_back, settings, version_in  # noqa: F401 - fixture

# A weekday well after any due time the tests' requests have (pages are drawn at the real time).
NEW_DATE = (utcnow() + timedelta(days=90)).date()
NEW_DATE = NEW_DATE - timedelta(days=max(0, NEW_DATE.weekday() - 4))


def _fresh(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    return session.get_one(ServiceRequest, request_id)


def _dispatched(session: Session, people: People, settings) -> ServiceRequest:
    request = in_status(session, people, settings, Status.TRIAGED)
    return assign_request(
        session, people.staff, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )


def test_only_the_assignee_is_offered_sign_for_and_return(
    client: FlaskClient, session: Session, people: People, settings
) -> None:
    request = _dispatched(session, people, settings)
    page_url = f"/desk/requests/{request.id}"
    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    assert "Sign-for overdue" in page
    assert 'action="/desk/requests/%d/sign-for"' % request.id not in page
    login(client, people.staff2)
    page = get(client, page_url).get_data(as_text=True)
    assert 'action="/desk/requests/%d/sign-for"' % request.id in page
    assert 'action="/desk/requests/%d/return"' % request.id in page
    assert get(client, "/desk/?queue=to_sign").get_data(as_text=True).count(request.reference) >= 1


def test_a_return_shows_its_reason_on_the_page_and_in_the_queue(
    client: FlaskClient, session: Session, people: People, settings
) -> None:
    request = _dispatched(session, people, settings)
    login(client, people.staff2)
    response = send(
        client,
        f"/desk/requests/{request.id}/return",
        {"giveback-version": request.version, "giveback-reason": "incomplete", "giveback-note": "缺少检验报告编号"},
        prefix="giveback",
    )
    assert response.status_code == 302
    returned = _fresh(session, request.id)
    assert returned.assignee_id is None and returned.return_count == 1
    login(client, people.staff)
    queue = get(client, "/desk/?queue=unassigned").get_data(as_text=True)
    row = queue[queue.index(returned.reference) :]
    row = row[: row.index("</tr>")]
    assert "Returned: Information incomplete" in row and "缺少检验报告编号" in row
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "Returned: Information incomplete" in page and "缺少检验报告编号" in page
    assert '<dd class="req-returns">1</dd>' in page
    # The dispatcher is told.
    assert "Returned to the dispatcher" in get(client, "/notifications/").get_data(as_text=True)


def test_a_bad_return_comes_back_beside_the_form_and_a_stale_one_gets_the_banner(
    client: FlaskClient, session: Session, people: People, settings
) -> None:
    request = _dispatched(session, people, settings)
    page_url = f"/desk/requests/{request.id}"
    login(client, people.staff2)
    response = send(
        client,
        f"{page_url}/return",
        {"giveback-version": request.version, "giveback-reason": "other", "giveback-note": ""},
        prefix="giveback",
    )
    page = sent_back(client, response, page_url)
    assert "A reason is required." in page
    assert _fresh(session, request.id).return_count == 0
    response = send(client, f"{page_url}/sign-for", {"signfor-version": request.version - 1}, prefix="signfor")
    page = sent_back(client, response, page_url)
    assert "Someone else changed this request" in page
    assert _fresh(session, request.id).signed_for_at is None
    response = send(client, f"{page_url}/sign-for", {"signfor-version": version_in(page, "signfor")}, prefix="signfor")
    assert response.status_code == 302 and _fresh(session, request.id).signed_for_at is not None


def test_the_head_lists_and_decides_extensions_and_the_enterprise_reads_the_new_date(
    client: FlaskClient, session: Session, people: People, settings
) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    page_url = f"/desk/requests/{request.id}"
    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    response = send(
        client,
        f"{page_url}/extension",
        {
            "extension-version": version_in(page, "extension"),
            "extension-new_due_date": NEW_DATE.isoformat(),
            "extension-public_reason": "型式检验报告预计四月初出具",
            "extension-internal_note": "检验所排期",
        },
        prefix="extension",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    login(client, people.director)
    listing = get(client, "/director/extensions").get_data(as_text=True)
    assert request.reference in listing and "型式检验报告预计四月初出具" in listing
    assert "Extensions to decide" in listing
    page = get(client, page_url).get_data(as_text=True)
    assert "检验所排期" in page and 'action="/desk/requests/%d/extension/decision"' % request.id in page
    response = send(
        client,
        f"{page_url}/extension/decision",
        {"decide-version": version_in(page, "decide"), "decide-decision": "approve", "decide-comment": ""},
        prefix="decide",
    )
    assert response.status_code == 302
    assert _fresh(session, request.id).extension_count == 1
    assert request.reference not in get(client, "/director/extensions").get_data(as_text=True)

    login(client, people.owner)
    portal = get(client, f"/portal/requests/{request.id}").get_data(as_text=True)
    assert "Promised completion date" in portal and f"{NEW_DATE.isoformat()} 17:00" in portal
    assert "型式检验报告预计四月初出具" in portal and "检验所排期" not in portal


def test_no_supervision_forms_for_others(client: FlaskClient, session: Session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    ask_extension(session, people.staff, request.id, request.version, ExtensionAsk(NEW_DATE, "理由"), settings=settings)
    request = _fresh(session, request.id)
    login(client, people.staff2)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    for form in ("sign-for", "return", "extension", "extension/decision"):
        assert f'action="/desk/requests/{request.id}/{form}"' not in page
    login(client, people.other_director)
    assert get(client, f"/desk/requests/{request.id}").status_code == 404
    decide_extension(session, people.staff, request.id, request.version, ExtensionAction.WITHDRAW, settings=settings)
    login(client, people.director)
    assert request.reference not in get(client, "/director/extensions").get_data(as_text=True)
