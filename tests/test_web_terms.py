"""The regulator's terms on the pages: the organisation's one name, the four service measures, and
站长热线 / 局长热线 by the station of the session's host."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import HotlineSession, ServiceRequest
from service.models.base import utcnow
from service.operations import hotline as ops
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import triaged
from tests.suite import change_settings, login, post_form

ORGANISATION = "吉林省药品监督管理局医疗器械创新服务站"
TEMPLATE = "https://meet.example.gov.cn/hotline/{reference}-{token}"


@pytest.fixture()
def case(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    return triaged(session, people, settings, now=utcnow() - timedelta(hours=1))


def test_every_page_names_the_organisation_the_same_way_with_the_four_measures(
    client: FlaskClient, people: People
) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    login(client, people.owner)
    portal = client.get("/portal/").get_data(as_text=True)
    for page in (login_page, portal):
        title = page.split("<title>", 1)[1].split("</title>", 1)[0]
        header = page.split('class="brand"', 1)[1].split("</a>", 1)[0]
        footer = page.split('class="site-footer"', 1)[1]
        assert title.endswith(f"· {ORGANISATION}") and ORGANISATION in header and ORGANISATION in footer
        assert "提前介入　一企一策　全程指导　研审联动" in footer
        assert "省药品监督管理局医疗器械创新服务站" not in page.replace(ORGANISATION, "")


def test_the_organisation_name_is_a_setting(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    change_settings(monkeypatch, client.application, organisation_name="Innovation Service Station of a test regulator")
    assert "<span>Innovation Service Station of a test regulator</span>" in client.get("/login").get_data(as_text=True)


def test_a_sub_station_heads_session_is_a_station_head_hotline(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    login(client, people.owner)
    assert "<h1>申请站长热线</h1>" in client.get(f"/hotline/request/{case.id}/ask").get_data(as_text=True)
    sent = post_form(
        client,
        f"/hotline/request/{case.id}/ask",
        {"reason": "请站长指导临床评价路径", "preferred_times": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "站长热线申请已发送。" in sent
    asked = session.scalars(select(HotlineSession).where(HotlineSession.request_id == case.id)).one()
    request_page = client.get(f"/portal/requests/{case.id}").get_data(as_text=True)
    assert '<h2 id="hotline-panel-title">站长热线</h2>' in request_page
    session_page = client.get(f"/hotline/{asked.id}").get_data(as_text=True)
    assert "<h1>站长热线</h1>" in session_page and "局长热线" not in session_page


def test_the_provincial_directors_session_is_a_director_hotline(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请局长指导临床评价路径", "周四下午")
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    ops.schedule_hotline(
        session, people.hub_director, asked.id, asked.version, ops.Schedule(start, 45, people.hub_director.id), TEMPLATE
    )
    login(client, people.hub_director)
    assert "<h1>局长热线</h1>" in client.get(f"/hotline/{asked.id}").get_data(as_text=True)
    listing = client.get("/hotline/").get_data(as_text=True)
    assert "<h1>局长热线与站长热线</h1>" in listing and '<span class="tag">局长热线</span>' in listing
    assert "局长热线 · " + case.reference in client.get("/director/").get_data(as_text=True)


def test_timeline_and_notifications_name_each_session_by_its_host(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest, settings: DeskSettings
) -> None:
    """The sub-station head's session is a 站长热线 on the timeline and in the inbox; the provincial director's, a
    局长热线 — on the same enterprise's pages, in either language."""
    asked = ops.ask_hotline(session, people.owner, case.id, "请站长指导临床评价路径", "周四下午")
    start = utcnow() - timedelta(minutes=5)
    held = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(start, 45, people.director.id),
        TEMPLATE,
        now=start - timedelta(hours=1),
    )
    ops.record_hotline(session, people.director, held.id, held.version, ops.Record("纪要", "明确临床评价路径"))
    other = triaged(session, people, settings, now=utcnow() - timedelta(hours=1))
    asked = ops.ask_hotline(session, people.owner, other.id, "请局长协调", "")
    ops.schedule_hotline(
        session,
        people.hub_director,
        asked.id,
        asked.version,
        ops.Schedule(start + timedelta(days=2), 45, people.hub_director.id),
        TEMPLATE,
    )

    login(client, people.owner)
    timeline = client.get(f"/portal/requests/{case.id}").get_data(as_text=True)
    assert "<strong>已申请站长热线</strong>" in timeline and "<strong>站长热线已安排</strong>" in timeline
    assert "<strong>站长热线已举行</strong>" in timeline and "局长热线" not in timeline
    assert "<strong>局长热线已安排</strong>" in client.get(f"/portal/requests/{other.id}").get_data(as_text=True)
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "<strong>站长热线已举行</strong>" in inbox and "<strong>站长热线已安排</strong>" in inbox
    assert "<strong>局长热线已安排</strong>" in inbox
    english = client.get("/notifications/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<strong>Station head hotline held</strong>" in english
    assert "<strong>Director hotline scheduled</strong>" in english

    login(client, people.director)
    assert "<strong>已申请站长热线</strong>" in client.get("/notifications/").get_data(as_text=True)
    desk = client.get(f"/desk/requests/{case.id}").get_data(as_text=True)
    assert "<strong>站长热线已举行</strong>" in desk and "局长热线已" not in desk
