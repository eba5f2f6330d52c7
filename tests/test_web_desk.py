"""The staff desk: queues and filters, the request's working page, and scope between stations."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.models import (
    Attachment,
    Channel,
    EventKind,
    Message,
    Notification,
    Priority,
    Role,
    ServiceRequest,
    Station,
    Status,
)
from service.operations import notifications
from service.operations.attachments import Upload
from service.operations.requests import add_message
from service.rules.lifecycle import Action
from tests import factories
from tests.factories import People
from tests.request_helpers import act, active_plan, in_status, submit
from tests.suite import login
from tests.web_requests_support import PDF, by_title, get, pdf, request_form, send, sent_back, version_in


def _fresh(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    return session.get(ServiceRequest, request_id)


def test_queue_tabs_columns_and_the_new_request(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = submit(session, people, app_settings, title="新到的请求", urgent=True)
    login(client, people.staff)
    page = get(client, "/desk/?queue=new").get_data(as_text=True)
    for tab in ("New", "Mine", "Unassigned", "Waiting for the enterprise", "Overdue", "All open", "Escalated", "All"):
        assert f">{tab}</a>" in page, tab
    for column in ("Reference", "Title", "Enterprise", "Status", "Priority", "Assignee", "Due", "Last change"):
        assert f">{column}</th>" in page, column
    row = page[page.index(request.reference) :]
    row = row[: row.index("</tr>")]
    assert "新到的请求" in row and people.enterprise.name in row and "Urgent" in row
    assert re.search(r'class="tag (danger|warn|ok)"[^>]*>(Overdue by|[^<]* left)', row)
    assert get(client, "/desk/?queue=mine").get_data(as_text=True).count(request.reference) == 0


def test_other_sub_stations_see_nothing_the_hub_sees_all(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = submit(session, people, app_settings, uploads=(Upload("a.pdf", "", PDF),))
    attachment = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    login(client, people.other_staff)
    assert request.reference not in get(client, "/desk/?queue=all").get_data(as_text=True)
    assert get(client, f"/desk/requests/{request.id}").status_code == 404
    assert get(client, f"/desk/attachments/{attachment.id}").status_code == 404
    assert send(client, f"/desk/requests/{request.id}/messages", {"body": "越权"}).status_code == 404
    assert (
        send(client, f"/desk/requests/{request.id}/escalate", {"escalate-reason": "x"}, prefix="escalate").status_code
        == 404
    )
    for insider in (people.hub_staff, people.hub_director, people.director):
        login(client, insider)
        assert get(client, f"/desk/requests/{request.id}").status_code == 200
        assert request.reference in get(client, "/desk/?queue=all").get_data(as_text=True)
    login(client, people.owner)
    assert get(client, f"/desk/requests/{request.id}").status_code == 403


def test_filters_narrow_the_queue_and_bad_values_are_refused(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    urgent = in_status(session, people, app_settings, Status.TRIAGED)
    plain = submit(session, people, app_settings, title="普通请求")
    login(client, people.staff)
    page = get(client, "/desk/?queue=all&status=triaged").get_data(as_text=True)
    assert urgent.reference in page and plain.reference not in page
    page = get(client, f"/desk/?queue=open&assignee_id={people.staff.id}&priority=P3").get_data(as_text=True)
    assert urgent.reference in page and plain.reference not in page
    for bad in ("status=bogus", "priority=P9", "assignee_id=abc", "category=x", "cursor=-1", "sort=alphabetical"):
        assert get(client, f"/desk/?{bad}").status_code == 400, bad
    assert 'name="station_id"' not in page
    login(client, people.hub_staff)
    assert 'name="station_id"' in get(client, "/desk/").get_data(as_text=True)


def test_queue_pages_with_a_cursor(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    for n in range(27):
        submit(session, people, app_settings, title=f"队列{n:02d}")
    login(client, people.staff)
    first = get(client, "/desk/?queue=new&category=registration_dossier").get_data(as_text=True)
    link = re.search(r'href="(/desk/\?[^"]*cursor=\d+[^"]*)">Next page', first)
    assert link and "队列26" in first and "队列01" not in first
    second = get(client, link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "队列01" in second and "队列00" in second and "队列26" not in second
    assert "First page" in second and "Next page" not in second


def test_triage_sets_priority_stage_and_assignee(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = submit(session, people, app_settings)
    login(client, people.staff)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert people.enterprise.credit_code in page and "Verified" in page
    response = send(
        client,
        f"/desk/requests/{request.id}/triage",
        {
            "triage-version": str(version_in(page, "triage")),
            "triage-category": "clinical_evaluation",
            "triage-priority": "P2",
            "triage-lifecycle_stage": "clinical_evaluation",
            "triage-assignee_id": str(people.staff2.id),
        },
        prefix="triage",
    )
    assert response.status_code == 302
    triaged = _fresh(session, request.id)
    assert (triaged.status, triaged.priority, triaged.assignee_id) == (Status.TRIAGED, Priority.P2, people.staff2.id)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "Category: Clinical evaluation · priority: P2 – high" in page and people.staff2.name in page


def test_bad_triage_values_are_form_errors(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = submit(session, people, app_settings)
    login(client, people.staff)
    outsider = factories.user(session, Role.STAFF, "JL-TH")
    response = send(
        client,
        f"/desk/requests/{request.id}/triage",
        {
            "triage-version": str(request.version),
            "triage-category": "registration_dossier",
            "triage-priority": "P7",
            "triage-lifecycle_stage": "research",
            "triage-assignee_id": str(outsider.id),
        },
        prefix="triage",
    )
    page = sent_back(client, response, f"/desk/requests/{request.id}")
    assert 'id="triage-priority-error"' in page and 'id="triage-assignee_id-error"' in page
    assert _fresh(session, request.id).status == Status.SUBMITTED


def test_a_stale_edit_goes_back_to_the_page_with_the_typing_and_overwrites_nothing(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff2)
    seen = version_in(get(client, f"/desk/requests/{request.id}").get_data(as_text=True), "resolve")
    # Meanwhile a colleague re-triages the request.
    login(client, people.staff)
    assert (
        send(
            client,
            f"/desk/requests/{request.id}/triage",
            {
                "triage-version": str(seen),
                "triage-category": "policy",
                "triage-priority": "P1",
                "triage-lifecycle_stage": "research",
                "triage-assignee_id": str(people.staff.id),
            },
            prefix="triage",
        ).status_code
        == 302
    )
    login(client, people.staff2)
    summary = "详细的解决说明：第一，补充临床评价资料；第二，……"
    response = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {"resolve-version": str(seen), "resolve-summary": summary},
        prefix="resolve",
    )
    # Post/redirect/get: the refusal lands on the request's page, so a reload never sends the step again.
    assert response.status_code == 302 and response.location == f"/desk/requests/{request.id}"
    page = get(client, response.location).get_data(as_text=True)
    assert "Someone changed this request meanwhile" in page and "P1 – critical" in page
    assert re.search(
        rf'<details class="req-step" open>\s*<summary>Resolve</summary>.*>\s*{summary}</textarea>', page, re.S
    )
    current = _fresh(session, request.id)
    assert version_in(page, "resolve") == current.version != seen
    assert (current.status, current.priority, current.resolution_summary) == (Status.TRIAGED, Priority.P1, None)
    reloaded = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "Someone changed this request meanwhile" not in reloaded and summary not in reloaded
    stale_triage = send(
        client,
        f"/desk/requests/{request.id}/triage",
        {
            "triage-version": str(seen),
            "triage-category": "other",
            "triage-priority": "P4",
            "triage-lifecycle_stage": "research",
            "triage-assignee_id": "",
        },
        prefix="triage",
    )
    assert stale_triage.status_code == 302
    assert '<option selected value="P4">' in get(client, stale_triage.location).get_data(as_text=True)
    assert _fresh(session, request.id).priority == Priority.P1


def test_text_typed_for_a_step_that_is_gone_is_shown_back(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    seen = request.version
    act(session, people.staff, request, Action.RESOLVE, app_settings, summary="同事已先行解决")
    login(client, people.staff2)
    response = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {"resolve-version": str(seen), "resolve-summary": "我写了很久的解决说明"},
        prefix="resolve",
    )
    assert response.status_code == 302
    page = get(client, response.location).get_data(as_text=True)
    assert "Someone changed this request meanwhile" in page
    assert 'name="resolve-summary"' not in page
    assert re.search(r"What you typed \(not saved\).*我写了很久的解决说明", page, re.S)
    assert _fresh(session, request.id).resolution_summary == "同事已先行解决"


def test_reply_and_internal_note_are_told_apart(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    path = f"/desk/requests/{request.id}/messages"
    assert (
        send(
            client,
            path,
            {"visibility": "internal", "body": "只给同事看的意见", "attachments": [pdf("内部.pdf")]},
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    assert send(client, path, {"visibility": "public", "body": "给企业的答复"}).status_code == 302
    refused = send(client, path, {"visibility": "secret", "body": "不该保存的文字"})
    assert "不该保存的文字</textarea>" in sent_back(client, refused, f"/desk/requests/{request.id}")
    session.expire_all()
    notes = {m.body: m.internal for m in session.scalars(select(Message).where(Message.request_id == request.id))}
    assert notes == {"只给同事看的意见": True, "给企业的答复": False}
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    note = page[page.index("只给同事看的意见") - 700 : page.index("只给同事看的意见")]
    assert "req-internal" in note and ">Internal<" in note and "内部.pdf" in page


def test_ask_for_information_then_resolve(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    for step in ("start_intervention", "request_info", "resolve", "decline"):
        assert f'/actions/{step}"' in page, step
    response = send(
        client,
        f"/desk/requests/{request.id}/actions/request_info",
        {"request_info-version": str(request.version), "request_info-message": "请提供型式检验报告"},
        prefix="request_info",
    )
    assert response.status_code == 302
    waiting = _fresh(session, request.id)
    assert waiting.status == Status.WAITING_ENTERPRISE
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "Paused" in page and '/actions/resolve"' not in page
    add_message(session, people.owner, request.id, "报告已上传", settings=app_settings)
    current = _fresh(session, request.id)
    empty = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {"resolve-version": str(current.version), "resolve-summary": ""},
        prefix="resolve",
    )
    assert "A resolution summary is required." in sent_back(client, empty, f"/desk/requests/{request.id}")
    done = send(
        client,
        f"/desk/requests/{request.id}/actions/resolve",
        {"resolve-version": str(current.version), "resolve-summary": "已指导完成"},
        prefix="resolve",
    )
    assert done.status_code == 302
    assert _fresh(session, request.id).status == Status.RESOLVED


def test_decline_needs_a_reason(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = submit(session, people, app_settings)
    login(client, people.staff)
    path = f"/desk/requests/{request.id}/actions/decline"
    page = sent_back(
        client,
        send(client, path, {"decline-version": str(request.version)}, prefix="decline"),
        f"/desk/requests/{request.id}",
    )
    assert re.search(r'<details class="req-step" open>\s*<summary>Decline</summary>', page)
    assert 'id="decline-reason-error"' in page and _fresh(session, request.id).status == Status.SUBMITTED
    assert (
        send(
            client,
            path,
            {"decline-version": str(request.version), "decline-reason": "不属于服务范围"},
            prefix="decline",
        ).status_code
        == 302
    )
    assert _fresh(session, request.id).status == Status.DECLINED


def test_escalate_and_only_a_director_de_escalates(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    empty = send(client, f"/desk/requests/{request.id}/escalate", {"escalate-reason": ""}, prefix="escalate")
    assert 'id="escalate-reason-error"' in sent_back(client, empty, f"/desk/requests/{request.id}")
    assert (
        send(
            client,
            f"/desk/requests/{request.id}/escalate",
            {"escalate-reason": "企业反映进度严重滞后"},
            prefix="escalate",
        ).status_code
        == 302
    )
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "企业反映进度严重滞后" in page and 'name="deescalate-note"' not in page
    again = send(client, f"/desk/requests/{request.id}/escalate", {"escalate-reason": "再次"}, prefix="escalate")
    assert again.status_code == 302 and "再次" in get(client, again.location).get_data(as_text=True)
    assert (
        send(
            client, f"/desk/requests/{request.id}/de-escalate", {"deescalate-note": "x"}, prefix="deescalate"
        ).status_code
        == 403
    )
    assert request.reference in get(client, "/desk/?queue=escalated").get_data(as_text=True)
    login(client, people.director)
    assert 'name="deescalate-note"' in get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert (
        send(
            client, f"/desk/requests/{request.id}/de-escalate", {"deescalate-note": "已协调解决"}, prefix="deescalate"
        ).status_code
        == 302
    )
    assert _fresh(session, request.id).escalated is False


def test_assign_and_transfer(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    assert (
        send(
            client,
            f"/desk/requests/{request.id}/assign",
            {"assign-version": str(request.version), "assign-assignee_id": str(people.staff2.id)},
            prefix="assign",
        ).status_code
        == 302
    )
    current = _fresh(session, request.id)
    assert current.assignee_id == people.staff2.id
    tonghua = factories.station(session, "JL-TH")
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    no_reason = send(
        client,
        f"/desk/requests/{request.id}/transfer",
        {"transfer-version": str(current.version), "transfer-station_id": str(tonghua.id)},
        prefix="transfer",
    )
    assert 'id="transfer-reason-error"' in sent_back(client, no_reason, f"/desk/requests/{request.id}")
    own = send(
        client,
        f"/desk/requests/{request.id}/transfer",
        {
            "transfer-version": str(current.version),
            "transfer-station_id": str(current.station_id),
            "transfer-reason": "留在本站的理由",
        },
        prefix="transfer",
    )
    page = sent_back(client, own, f"/desk/requests/{request.id}")
    assert 'id="transfer-station_id-error"' in page and "留在本站的理由</textarea>" in page
    moved = send(
        client,
        f"/desk/requests/{request.id}/transfer",
        {
            "transfer-version": str(current.version),
            "transfer-station_id": str(tonghua.id),
            "transfer-reason": "企业实际生产地在通化",
        },
        prefix="transfer",
    )
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/desk/")
    assert (_fresh(session, request.id).station_id, _fresh(session, request.id).assignee_id) == (tonghua.id, None)
    assert get(client, f"/desk/requests/{request.id}").status_code == 404
    login(client, people.other_staff)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "企业实际生产地在通化" in page and "Tonghua City Sub-station" in page


def test_on_behalf_of_an_enterprise_of_the_station(client: FlaskClient, session: Session, people: People) -> None:
    far = factories.enterprise(session, "JL-TH", name="通化某企业")
    login(client, people.staff)
    page = get(client, "/desk/requests/new").get_data(as_text=True)
    assert people.enterprise.name in page and "通化某企业" not in page
    assert 'value="phone"' in page and 'value="web"' not in page
    form = request_form(title="电话咨询记录", enterprise_id=str(people.enterprise.id), channel="phone")
    response = send(client, "/desk/requests/new", form)
    assert response.status_code == 302
    [created] = by_title(session, "电话咨询记录")
    assert (created.channel, created.enterprise_id, created.submitter_id) == (
        Channel.PHONE,
        people.enterprise.id,
        people.staff.id,
    )
    refused = send(
        client,
        "/desk/requests/new",
        request_form(title="越站代办", enterprise_id=str(far.id), channel="video", idempotency_key="other-key"),
    )
    assert refused.status_code == 400 and by_title(session, "越站代办") == []
    login(client, people.owner)
    assert "电话咨询记录" in get(client, "/portal/").get_data(as_text=True)


def test_staff_download_internal_files_with_safe_headers(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    add_message(
        session,
        people.staff,
        request.id,
        "核查",
        internal=True,
        uploads=(Upload("内部.pdf", "", PDF),),
        settings=app_settings,
    )
    internal = session.scalars(select(Attachment).where(Attachment.request_id == request.id)).one()
    login(client, people.hub_staff)
    response = get(client, f"/desk/attachments/{internal.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_notifications_for_new_requests(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = submit(session, people, app_settings)
    login(client, people.staff)
    page = get(client, "/desk/").get_data(as_text=True)
    assert re.search(r'href="/notifications/">Notifications <span class="badge">\d+</span>', page)
    listing = get(client, "/notifications/").get_data(as_text=True)
    assert request.reference in listing and "Request submitted" in listing
    opened = re.search(r'action="/notifications/(\d+)/open"', listing)
    response = send(client, f"/notifications/{opened.group(1)}/open", {})
    assert response.headers["Location"].endswith(f"/desk/requests/{request.id}")
    assert session.get(Station, request.station_id) is not None


def test_the_queue_orders_by_due_time_and_pages_in_that_order(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    later = in_status(session, people, app_settings, Status.TRIAGED)  # P3
    sooner = in_status(session, people, app_settings, Status.TRIAGED)
    sooner.resolution_due_at = later.resolution_due_at - timedelta(days=2)
    session.commit()
    login(client, people.staff)
    page = get(client, "/desk/?queue=open&sort=due").get_data(as_text=True)
    assert page.index(sooner.reference) < page.index(later.reference)
    assert '<option selected value="due">Due soonest</option>' in page
    newest_first = get(client, "/desk/?queue=open").get_data(as_text=True)
    assert newest_first.index(sooner.reference) < newest_first.index(later.reference)  # made last
    oldest_first = get(client, "/desk/?queue=open&sort=oldest").get_data(as_text=True)
    assert oldest_first.index(later.reference) < oldest_first.index(sooner.reference)


def test_a_flood_of_unread_notifications_reads_99_plus(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = submit(session, people, app_settings)
    session.execute(
        insert(Notification),
        [
            {
                "user_id": people.staff.id,
                "request_id": request.id,
                "kind": EventKind.REPLY,
                "created_at": request.created_at,
            }
        ]
        * 150,
    )
    session.commit()
    login(client, people.staff)
    page = get(client, "/desk/").get_data(as_text=True)
    assert re.search(r'Notifications <span class="badge">99\+</span>', page)
    assert notifications.unread_count(session, people.staff) == 150 + 1  # the submission's own, and the flood


def test_guidance_without_a_plan_is_shown_disabled_and_a_forged_step_comes_back_to_the_page(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert re.search(
        r'<button type="button" disabled[^>]*>Start full-process guidance</button>\s*'
        r'<span class="hint"[^>]*>Guidance needs the request to be linked',
        page,
    )
    assert "/actions/start_guidance" not in page
    response = send(
        client,
        f"/desk/requests/{request.id}/actions/start_guidance",
        {"start_guidance-version": str(request.version)},
        prefix="start_guidance",
    )
    assert response.status_code == 302 and response.location == f"/desk/requests/{request.id}"
    assert "Guidance needs the request to be linked" in get(client, response.location).get_data(as_text=True)
    request.plan_id = active_plan(session, people).id
    session.commit()
    page = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert "/actions/start_guidance" in page and "Guidance needs the request to be linked" not in page


def test_a_refused_message_comes_back_once_with_the_text(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.WITHDRAWN)
    login(client, people.staff)
    response = send(client, f"/desk/requests/{request.id}/messages", {"visibility": "public", "body": "迟到的答复"})
    assert response.status_code == 302
    page = get(client, response.location).get_data(as_text=True)
    assert "This request is closed." in page and "迟到的答复</textarea>" in page
    assert "迟到的答复" not in get(client, response.location).get_data(as_text=True)


def test_a_long_refused_text_goes_back_to_the_page_too(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.WITHDRAWN)
    login(client, people.staff)
    long_reply = "逐条答复企业提出的问题。" * 1600  # 19,200 characters: far more than a session cookie holds
    response = send(client, f"/desk/requests/{request.id}/messages", {"visibility": "public", "body": long_reply})
    page = sent_back(client, response, f"/desk/requests/{request.id}")
    assert "This request is closed." in page and f"{long_reply}</textarea>" in page


def test_a_reply_too_long_goes_back_beside_the_form_and_a_reload_sends_nothing(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    login(client, people.staff)
    too_long = "答" * 20001
    response = send(client, f"/desk/requests/{request.id}/messages", {"visibility": "internal", "body": too_long})
    page = sent_back(client, response, f"/desk/requests/{request.id}")
    assert f"{too_long}</textarea>" in page and 'id="body-error"' in page
    assert "Field cannot be longer than 20000 characters." in page
    assert re.search(r'<input checked[^>]* value="internal"', page)  # still an internal note
    # Reloading the page shows it as it stands: the form is empty again and nothing was sent.
    again = get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    assert too_long not in again and 'id="body-error"' not in again
    session.expire_all()
    assert session.scalars(select(Message).where(Message.request_id == request.id)).all() == []
