"""Duplicates, merge, links and child requests on the pages: the enterprise's warning before it submits, the
desk's possible duplicates and relation forms, a merged request's page leading to its target."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ServiceRequest, Station, Status
from service.models.base import utcnow
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import submit, triaged
from tests.suite import login
from tests.web_requests_support import by_title, get, request_form, send, sent_back, version_in

EARLIER = "创新医疗器械特别审查申请资料咨询"
ALIKE = "创新医疗器械特别审查申请材料的咨询"


def test_the_enterprise_is_warned_of_its_own_like_request_and_submits_only_when_it_confirms(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    earlier = submit(session, people, app_settings, now=utcnow(), title=EARLIER)
    login(client, people.owner)
    first = send(client, "/portal/requests/new", request_form(title=ALIKE, description="第二行说明。"))
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "You may have asked this already." in page and earlier.reference in page
    assert f'href="/portal/requests/{earlier.id}"' in page
    assert f'value="{ALIKE}"' in page and "第二行说明。" in page  # what was typed stays
    assert by_title(session, ALIKE) == []

    again = send(client, "/portal/requests/new", request_form(title=ALIKE, submit_anyway="y"))
    made = by_title(session, ALIKE)
    assert again.status_code == 302 and [r.id for r in made] and again.location.endswith(f"/{made[0].id}")


def test_while_typing_the_form_asks_for_like_requests(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    earlier = submit(session, people, app_settings, now=utcnow(), title=EARLIER)
    login(client, people.owner)
    alike = get(client, f"/portal/requests/similar?title={ALIKE}").get_data(as_text=True)
    assert earlier.reference in alike
    assert earlier.reference not in get(client, "/portal/requests/similar?title=血糖仪型式检验").get_data(as_text=True)
    login(client, people.other_enterprise)
    assert earlier.reference not in get(client, f"/portal/requests/similar?title={ALIKE}").get_data(as_text=True)
    assert 'src="/static/js/duplicates.js"' in get(client, "/portal/requests/new").get_data(as_text=True)


def test_the_desk_sees_a_duplicate_merges_it_and_its_page_leads_to_the_target(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    target = triaged(session, people, app_settings, now=utcnow(), title=EARLIER)
    duplicate = submit(session, people, app_settings, now=utcnow(), title=ALIKE)
    login(client, people.staff)
    page = get(client, f"/desk/requests/{duplicate.id}").get_data(as_text=True)
    assert "Possible duplicates" in page and target.reference in page
    assert re.search(r"\d+% alike", page)

    stale = send(
        client,
        f"/desk/requests/{duplicate.id}/merge",
        {"merge-version": "0", "merge-target": target.reference},
        prefix="merge",
    )
    assert "Someone else changed this request" in sent_back(client, stale, f"/desk/requests/{duplicate.id}")
    merged = send(
        client,
        f"/desk/requests/{duplicate.id}/merge",
        {"merge-version": version_in(page, "merge"), "merge-target": target.reference, "merge-reason": "同一问题"},
        prefix="merge",
    )
    assert merged.status_code == 302
    lead = get(client, f"/desk/requests/{duplicate.id}")
    assert lead.status_code == 302 and lead.location == f"/desk/requests/{target.id}"
    shown = get(client, lead.location).get_data(as_text=True)
    assert f"{duplicate.reference} was merged into this request" in shown
    assert f"from {duplicate.reference}" in shown  # the merged timeline's entries, marked
    login(client, people.owner)
    assert get(client, f"/portal/requests/{duplicate.id}").location == f"/portal/requests/{target.id}"
    listed = get(client, "/portal/?queue=all")
    assert listed.status_code == 200 and "Merged into another request" in listed.get_data(as_text=True)


def test_a_child_request_at_another_station_is_shown_on_both_and_holds_back_the_parent(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    parent = triaged(session, people, app_settings, now=utcnow())
    other_station = session.scalar(select(Station.id).where(Station.code == "JL-TH"))
    login(client, people.staff)
    page = get(client, f"/desk/requests/{parent.id}").get_data(as_text=True)
    made = send(
        client,
        f"/desk/requests/{parent.id}/children",
        {
            "child-version": version_in(page, "child"),
            "child-title": "通化分站负责型式检验",
            "child-description": "样品检验部分",
            "child-station_id": str(other_station),
        },
        prefix="child",
    )
    page = sent_back(client, made, f"/desk/requests/{parent.id}")
    child = by_title(session, "通化分站负责型式检验")[0]
    assert (child.parent_id, child.station_id, child.status) == (parent.id, other_station, Status.SUBMITTED)
    assert "Child requests" in page and child.reference in page
    assert f"Its child requests are still open: {child.reference}" in page  # the resolve step's hint
    login(client, people.other_staff)
    assert parent.reference in get(client, f"/desk/requests/{child.id}").get_data(as_text=True)


def test_links_are_made_shown_on_both_pages_and_removed(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    first = triaged(session, people, app_settings, now=utcnow())
    second = triaged(session, people, app_settings, now=utcnow(), title="临床评价路径")
    before = first.version
    login(client, people.staff)
    page = get(client, f"/desk/requests/{first.id}").get_data(as_text=True)
    linked = send(
        client,
        f"/desk/requests/{first.id}/links",
        {"link-version": version_in(page, "link"), "link-other": second.reference},
        prefix="link",
    )
    page = sent_back(client, linked, f"/desk/requests/{first.id}")
    assert "Related to" in page and second.reference in page
    other_page = get(client, f"/desk/requests/{second.id}").get_data(as_text=True)
    assert first.reference in other_page and "Remove the link" in other_page
    removed = send(
        client,
        f"/desk/requests/{second.id}/links/remove",
        {"unlink-version": version_in(other_page, "unlink"), "unlink-other_id": str(first.id)},
        prefix="unlink",
    )
    page = sent_back(client, removed, f"/desk/requests/{second.id}")
    assert "Remove the link" not in page
    session.expire_all()
    assert session.get(ServiceRequest, first.id).version > before
