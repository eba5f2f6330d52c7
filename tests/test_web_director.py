"""The director's pages: dashboard, the case lists behind its numbers, escalated cases and instructions."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy.orm import Session

from service.models import HotlineSession, HotlineStatus, Instruction, Role, ServiceRequest, Status, User
from service.models.base import utcnow
from service.web.app_settings import desk_settings
from service.web.common.request_presenter import present_request
from service.web.director import views as director
from tests import factories
from tests.director_support import case, station_id
from tests.factories import People
from tests.suite import login, post_form


@pytest.fixture()
def cases(session: Session, people: People) -> dict[str, ServiceRequest]:
    now = utcnow()
    th_ent = factories.enterprise(session, "JL-TH", name="通化某医疗器械有限公司")
    th_owner = factories.user(session, Role.ENTERPRISE, enterprise_=th_ent)
    made = {
        "new": case(
            session,
            people.enterprise,
            people.owner,
            created_at=now - timedelta(days=1),
            status=Status.SUBMITTED,
            title="新提交的咨询",
            first_response_due_at=now - timedelta(hours=1),
        ),
        "old": case(
            session,
            people.enterprise,
            people.owner,
            created_at=now - timedelta(days=45),
            title="久拖的案件",
            assignee=people.staff,
            escalated=True,
            escalation_reason="超过时限",
            escalated_at=now,
        ),
        "done": case(
            session,
            people.enterprise,
            people.owner,
            created_at=now - timedelta(days=5),
            status=Status.CLOSED,
            title="已办结案件",
            resolved_at=now - timedelta(days=2),
            rating=5,
        ),
        "tonghua": case(
            session,
            th_ent,
            th_owner,
            created_at=now - timedelta(days=2),
            title="通化的案件",
            escalated=True,
            escalation_reason="通化升级",
            escalated_at=now,
        ),
    }
    session.add(
        HotlineSession(
            request_id=made["old"].id,
            requested_by_id=people.owner.id,
            reason="请指导",
            status=HotlineStatus.SCHEDULED,
            director_id=people.director.id,
            scheduled_at=now + timedelta(days=2),
            duration_minutes=30,
        )
    )
    session.commit()
    return made


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _tiles(page: str) -> set[tuple[str, str]]:
    """(what the tile links to, its number) for every dashboard tile: a case list's bucket, or its path."""
    found = set()
    for href, value in re.findall(r'<a href="([^"]+)"><span class="tile-value">([^<]+)</span>', page):
        bucket = re.search(r"bucket=(\w+)", href)
        found.add((bucket.group(1) if bucket else unescape(href), value))
    return found


def test_the_dashboard_for_a_station_director(
    client: FlaskClient, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.director)
    page = _page(client, "/director/")
    assert {
        ("/desk/?queue=open", "2"),
        ("/director/escalated", "1"),
        ("overdue_response", "1"),
        ("overdue_resolution", "0"),
        ("hotline_upcoming", "1"),
        ("resolved", "1"),
        ("opened", "3"),
        ("rated", "5.0"),
    } <= _tiles(page)
    queue = _page(client, "/desk/?queue=open")
    assert cases["new"].reference in queue and cases["old"].reference in queue
    assert cases["done"].reference not in queue and cases["tonghua"].reference not in queue
    assert cases["old"].reference in page  # the upcoming session
    assert "通化" not in page


def test_charts_are_accessible_svg_without_inline_style(
    client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.hub_director)
    page = _page(client, "/director/")
    for chart in ("chart-status", "chart-age", "chart-station", "chart-weekly"):
        assert f'role="group" aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
    assert page.count('<details class="chart-table">') == 4
    assert "style=" not in page and "<script" not in page
    # Every bar links to its list, and the table behind the chart carries the same links.
    links = set(re.findall(r'href="(/(?:director/cases|director/escalated|desk/)\?[^"]+)"', page))
    assert len(links) > 20 and all(client.get(unescape(link)).status_code == 200 for link in links)
    tonghua = next(link for link in links if f"station_id={station_id(session, 'JL-TH')}" in link)
    assert cases["tonghua"].reference in _page(client, unescape(tonghua))


def test_who_may_open_the_dashboard(client: FlaskClient, people: People) -> None:
    assert client.get("/director/").status_code == 302
    for user, status in ((people.staff, 403), (people.owner, 403), (people.hub_staff, 403), (people.admin, 200)):
        login(client, user)
        assert client.get("/director/").status_code == status, user.role
        assert client.get("/director/cases").status_code == status
        assert client.get("/director/export.csv").status_code == status


def test_a_station_director_never_lists_another_station(
    client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    tonghua = station_id(session, "JL-TH")
    login(client, people.director)
    for bucket in ("open", "escalated", "opened", "age_0_7"):
        page = _page(client, f"/director/cases?bucket={bucket}&station={tonghua}")
        assert cases["tonghua"].reference not in page
    assert cases["tonghua"].reference not in _page(client, "/director/escalated")

    login(client, people.hub_director)
    page = _page(client, f"/director/cases?bucket=open&station={tonghua}")
    assert cases["tonghua"].reference in page and cases["new"].reference not in page
    assert cases["tonghua"].reference in _page(client, "/director/escalated")


def test_the_case_list_pages_by_keyset(
    client: FlaskClient, people: People, cases: dict[str, ServiceRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(director, "PAGE", 1)
    login(client, people.director)
    first = _page(client, "/director/cases?bucket=open")
    assert cases["old"].reference in first and cases["new"].reference not in first
    next_link = unescape(re.search(r'href="([^"]*cursor=\d+[^"]*)"', first).group(1))
    second = _page(client, next_link)
    assert cases["new"].reference in second and cases["old"].reference not in second


@pytest.mark.parametrize(
    "query",
    [
        "bucket=nonsense",
        "status=bogus",
        "date_from=2026-13-45&date_to=x",
        "station=abc",
        "bucket=open&status=closed&date_from=2030-01-01",
    ],
)
def test_odd_filters_never_fail(client: FlaskClient, people: People, query: str) -> None:
    login(client, people.hub_director)
    for path in ("/director/", "/director/cases", "/director/export.csv", "/director/escalated"):
        assert client.get(f"{path}?{query}").status_code == 200


def test_de_escalate_needs_a_note(
    client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    target = cases["old"]
    login(client, people.staff)
    assert post_form(client, f"/director/escalated/{target.id}/de-escalate", {"note": "x"}).status_code == 403
    login(client, people.director)
    assert post_form(client, f"/director/escalated/{cases['tonghua'].id}/de-escalate", {"note": "x"}).status_code == 404
    refused = post_form(client, f"/director/escalated/{target.id}/de-escalate", {"note": ""})
    assert refused.status_code == 400
    session.refresh(target)
    assert target.escalated
    done = post_form(client, f"/director/escalated/{target.id}/de-escalate", {"note": "已督办，转常规办理"})
    assert done.status_code == 302
    session.refresh(target)
    assert not target.escalated
    assert "flash-success" in _page(client, "/director/escalated")  # the flash names the case, shown once
    assert target.reference not in _page(client, "/director/escalated")


def test_instructions_from_writing_to_acknowledging(
    client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    target = cases["old"]
    login(client, people.staff)
    assert post_form(client, f"/instructions/request/{target.id}", {"body": "我不是局长"}).status_code == 403
    login(client, people.director)
    empty = post_form(client, f"/instructions/request/{target.id}", {"body": ""})
    # Back to the case's page, the instruction box open with the message beside it.
    assert empty.status_code == 302 and empty.location == f"/desk/requests/{target.id}"
    page = _page(client, empty.location)
    assert re.search(
        r"<details open>\s*<summary>[^<]+</summary>\s*<form method=\"post\" "
        rf"action=\"/instructions/request/{target.id}\"",
        page,
    )
    assert 'id="instruction-body-error"' in page
    assert post_form(client, f"/instructions/request/{target.id}", {"body": "请本周内办结"}).status_code == 302
    instruction = session.query(Instruction).filter_by(request_id=target.id).one()
    assert "请本周内办结" in _page(client, "/instructions/")

    login(client, people.staff)
    page = _page(client, "/instructions/")
    assert "请本周内办结" in page
    assert re.search(r'href="/instructions/"[^>]*>[^<]*<span class="badge">1</span>', page)
    login(client, people.staff2)
    assert "请本周内办结" not in _page(client, "/instructions/")
    assert post_form(client, f"/instructions/{instruction.id}/acknowledge", {}).status_code == 403

    login(client, people.director)
    assert "/acknowledge" not in _page(client, f"/desk/requests/{target.id}")
    assert post_form(client, f"/instructions/{instruction.id}/acknowledge", {}).status_code == 403

    login(client, people.staff)
    assert post_form(client, f"/instructions/{instruction.id}/acknowledge", {}).status_code == 302
    session.refresh(instruction)
    assert instruction.acknowledged_by_id == people.staff.id
    assert "请本周内办结" in _page(client, "/instructions/?state=acknowledged")
    assert not re.search(r'href="/instructions/"[^>]*>[^<]*<span class="badge">', _page(client, "/instructions/"))

    # The issuer sees who acknowledged it, and when.
    login(client, people.director)
    when = instruction.acknowledged_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    for page in (f"/desk/requests/{target.id}", "/instructions/?state=acknowledged"):
        text = " ".join(_page(client, page).split())
        assert re.search(rf"{people.staff.name}.*{when}|{when}.*{people.staff.name}", text), page


def test_the_panels_for_the_request_pages(
    app: Flask, client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    target = cases["new"]
    session.add(Instruction(request_id=target.id, director_id=people.director.id, body="内部批示内容"))
    session.commit()
    panels = '{% include "hotline/_request_panel.html" %}{% include "director/_instructions_panel.html" %}'

    def render(user: User) -> str:
        with app.test_request_context("/"):
            login_user(user)
            req = session.get(ServiceRequest, target.id)
            page = present_request(
                session,
                user,
                req,
                audience="portal" if user == people.owner else "desk",
                kept={},
                conflict=None,
                settings=desk_settings(),
                back="/",
            )
            return render_template_string(panels, page=page)

    enterprise_view = render(people.owner)
    assert f'action="/hotline/request/{target.id}/ask"' in enterprise_view
    assert "内部批示内容" not in enterprise_view and "instructions-panel" not in enterprise_view
    director_view = render(people.director)
    assert "内部批示内容" in director_view and f'action="/instructions/request/{target.id}"' in director_view
    # The director who gave it does not acknowledge it; the station's desk it was sent to does.
    assert "/acknowledge" not in director_view
    staff_view = render(people.staff2)
    assert "内部批示内容" in staff_view and "/acknowledge" in staff_view
    assert "invitation.ics" not in enterprise_view

    target = cases["old"]  # has a scheduled session: its invitation instead of a new ask
    with_session = render(people.owner)
    assert "invitation.ics" in with_session and "/ask" not in with_session
