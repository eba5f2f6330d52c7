"""Supervision orders (督办) on the desk's pages: a director issues one from the request page, the unit reports,
the director sends the report back and accepts it; forms only for whom the policy allows; the supervision page's
filters and paging; the dashboard's tiers; the queue's tag; in English and in Chinese."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Status, SupervisionOrder, SupervisionStatus
from service.models.base import utcnow
from service.operations.supervision_orders import OrderDraft, act_on_order, issue_order
from service.rules.supervision_orders import OrderAction
from tests.factories import People
from tests.request_helpers import active_plan, in_status
from tests.suite import login
from tests.test_chinese_pages import english_left, visible_text
from tests.web_requests_support import get, send, sent_back, version_in

ZH = {"Accept-Language": "zh"}


def _deadline(days: float) -> str:
    """A deadline typed in the form (Beijing wall-clock time), ``days`` from now."""
    moment = utcnow() + timedelta(days=days, hours=8)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _order(session: Session, people: People, request_id: int, days: float) -> SupervisionOrder:
    return issue_order(
        session,
        people.hub_director,
        OrderDraft("企业反映办理缓慢", "报送落实情况", utcnow() + timedelta(days=days)),
        request_id=request_id,
        now=utcnow() - timedelta(days=30),
    )


def _fresh(session: Session, order_id: int) -> SupervisionOrder:
    session.expire_all()
    return session.get_one(SupervisionOrder, order_id)


def test_the_whole_loop_through_the_pages(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    page_url = f"/desk/requests/{request.id}"
    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    assert "/supervision/requests/" not in page  # staff issue no orders
    login(client, people.hub_director)
    page = get(client, page_url).get_data(as_text=True)
    assert f'action="/supervision/requests/{request.id}/orders"' in page
    response = send(
        client,
        f"/supervision/requests/{request.id}/orders",
        {"order-issue": "办理超期", "order-requirement": "三日内报送落实情况", "order-deadline": _deadline(3)},
        prefix="order",
    )
    assert response.status_code == 302 and response.location.endswith(f"{page_url}#orders")
    order = session.scalars(select(SupervisionOrder).where(SupervisionOrder.request_id == request.id)).one()
    page = get(client, page_url).get_data(as_text=True)
    assert "办理超期" in page and "On schedule" in page
    assert f"/supervision/orders/{order.id}/report" not in page  # the issuer does not report
    assert f"/supervision/orders/{order.id}/cancel" in page

    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    prefix = f"o{order.id}-report"
    response = send(
        client,
        f"/supervision/orders/{order.id}/report",
        {f"{prefix}-version": version_in(page, prefix), f"{prefix}-text": "已约谈企业并完成补正"},
        prefix=prefix,
    )
    assert response.status_code == 302
    assert _fresh(session, order.id).status == SupervisionStatus.REPORTED

    login(client, people.hub_director)
    assert "Supervision report filed" in get(client, "/notifications/").get_data(as_text=True)
    page = get(client, page_url).get_data(as_text=True)
    prefix = f"o{order.id}-send_back"
    send(
        client,
        f"/supervision/orders/{order.id}/send_back",
        {f"{prefix}-version": version_in(page, prefix), f"{prefix}-text": "请写明办结时间"},
        prefix=prefix,
    )
    assert _fresh(session, order.id).status == SupervisionStatus.OPEN

    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    assert "请写明办结时间" in page
    prefix = f"o{order.id}-report"
    send(
        client,
        f"/supervision/orders/{order.id}/report",
        {f"{prefix}-version": version_in(page, prefix), f"{prefix}-text": "本周五前办结"},
        prefix=prefix,
    )
    login(client, people.hub_director)
    page = get(client, page_url).get_data(as_text=True)
    prefix = f"o{order.id}-accept"
    send(
        client, f"/supervision/orders/{order.id}/accept", {f"{prefix}-version": version_in(page, prefix)}, prefix=prefix
    )
    assert _fresh(session, order.id).status == SupervisionStatus.CLOSED
    page = get(client, page_url).get_data(as_text=True)
    assert "Concluded" in page and "Supervision order concluded" in page  # the badge and the timeline
    # The timeline keeps every report and comment as written, and the deadline given.
    assert "已约谈企业并完成补正" in page and "请写明办结时间" in page and "Report by " in page


def test_bad_input_comes_back_beside_the_form(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    page_url = f"/desk/requests/{request.id}"
    login(client, people.hub_director)
    response = send(
        client,
        f"/supervision/requests/{request.id}/orders",
        {"order-issue": "办理超期", "order-requirement": "报送", "order-deadline": _deadline(-1)},
        prefix="order",
    )
    page = sent_back(client, response, f"{page_url}#orders")
    assert "Choose a deadline in the future." in page and "办理超期" in page
    assert session.scalar(select(SupervisionOrder.id)) is None

    order = _order(session, people, request.id, 2)
    login(client, people.staff)
    page = get(client, page_url).get_data(as_text=True)
    prefix = f"o{order.id}-report"
    stale = version_in(page, prefix)
    response = send(
        client,
        f"/supervision/orders/{order.id}/report",
        {f"{prefix}-version": stale, f"{prefix}-text": " "},
        prefix=prefix,
    )
    assert "Write what has been done." in sent_back(client, response, f"{page_url}#orders")
    # Someone else reported meanwhile: said at the top, nothing changed by the stale form.
    order.report = "x"
    session.commit()
    response = send(
        client,
        f"/supervision/orders/{order.id}/report",
        {f"{prefix}-version": stale, f"{prefix}-text": "落实情况"},
        prefix=prefix,
    )
    assert "changed this supervision order meanwhile" in sent_back(client, response, f"{page_url}#orders")
    assert _fresh(session, order.id).status == SupervisionStatus.OPEN
    login(client, people.other_staff)
    response = send(
        client, f"/supervision/orders/{order.id}/report", {f"{prefix}-version": 9, f"{prefix}-text": "x"}, prefix=prefix
    )
    assert response.status_code == 404


def test_the_supervision_page_filters_pages_and_counts(
    client: FlaskClient, session: Session, people: People, app_settings
) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    late = _order(session, people, request.id, -0.5)
    soon = _order(session, people, request.id, 0.2)
    for day in range(60):
        _order(session, people, request.id, 10 + day)
    login(client, people.staff)
    first = get(client, "/supervision/").get_data(as_text=True)
    assert first.index(f'data-order="{late.id}"') < first.index(f'data-order="{soon.id}"')
    assert "Next page" in first
    yellow = get(client, "/supervision/?tier=yellow").get_data(as_text=True)
    assert yellow.count("data-order=") == 1 and f'data-order="{late.id}"' in yellow
    assert 'data-tier="yellow"' in yellow and "Yellow: overdue" in yellow
    overdue = get(client, "/supervision/?overdue=y").get_data(as_text=True)
    assert overdue.count("data-order=") == 1
    cursor = first.split("cursor=")[1].split('"')[0].split("&")[0]
    second = get(client, f"/supervision/?cursor={cursor}").get_data(as_text=True)
    assert second.count("data-order=") == 12
    assert get(client, "/supervision/?tier=purple").status_code == 400
    login(client, people.other_staff)
    assert "data-order=" not in get(client, "/supervision/").get_data(as_text=True)

    login(client, people.hub_director)
    board = get(client, "/director/").get_data(as_text=True)
    assert "/supervision/?tier=yellow" in board and "Blue: due within a working day" in board
    login(client, people.staff)
    queue = get(client, "/desk/?queue=all").get_data(as_text=True)
    row = queue[queue.index(request.reference) :]
    assert "Under supervision" in row[: row.index("</tr>")]


def test_an_order_on_a_plan(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    plan = active_plan(session, people)
    login(client, people.director)
    page = get(client, f"/plans/{plan.id}").get_data(as_text=True)
    assert f'action="/supervision/plans/{plan.id}/orders"' in page
    response = send(
        client,
        f"/supervision/plans/{plan.id}/orders",
        {"order-issue": "里程碑滞后", "order-requirement": "说明原因", "order-deadline": _deadline(5)},
        prefix="order",
    )
    assert response.status_code == 302
    login(client, people.staff)
    page = get(client, f"/plans/{plan.id}").get_data(as_text=True)
    order = session.scalars(select(SupervisionOrder).where(SupervisionOrder.plan_id == plan.id)).one()
    assert "里程碑滞后" in page and f"/supervision/orders/{order.id}/report" in page


def test_the_pages_read_wholly_in_chinese(client: FlaskClient, session: Session, people: People, app_settings) -> None:
    request = in_status(session, people, app_settings, Status.TRIAGED)
    late = _order(session, people, request.id, -0.5)
    _order(session, people, request.id, 0.1)
    reported = _order(session, people, request.id, 5)
    act_on_order(session, people.staff, reported.id, reported.version, OrderAction.REPORT, "已办理")
    plan = active_plan(session, people)
    issue_order(
        session, people.hub_director, OrderDraft("节点滞后", "报送", utcnow() + timedelta(days=9)), plan_id=plan.id
    )
    pages = {
        people.staff: [f"/desk/requests/{request.id}", "/supervision/", "/desk/?queue=all", "/notifications/"],
        people.hub_director: [
            f"/desk/requests/{request.id}",
            f"/plans/{plan.id}",
            "/supervision/?status=all",
            "/supervision/?tier=yellow",
            "/director/",
            "/notifications/",
        ],
    }
    leftovers = {}
    for user, paths in pages.items():
        login(client, user)
        for path in paths:
            response = client.get(path, headers=ZH)
            assert response.status_code == 200, path
            if found := english_left(visible_text(response.get_data(as_text=True), "zh-CN")):
                leftovers[f"{user.name} {path}"] = found
    assert not leftovers, "English left on Chinese pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in leftovers.items()
    )
    login(client, people.staff)
    listing = client.get("/supervision/", headers=ZH).get_data(as_text=True)
    assert "督办单" in listing and "黄色督办：已超期" in listing and "蓝色督办：一个工作日内到期" in listing
    assert f'data-order="{late.id}"' in listing
    page = client.get(f"/desk/requests/{request.id}", headers=ZH).get_data(as_text=True)
    assert "报送落实情况" in page and "落实情况待审核" in page
