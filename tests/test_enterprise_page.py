"""The desk's page of one enterprise (service.queries.enterprises) and its API resource: what it lists, by pages, and
only within the reader's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound
from service.models import (
    Satisfaction,
    ServiceRequest,
    Status,
    SupervisionOrder,
)
from service.operations import api_tokens
from service.queries.enterprises import PAGE_SIZE, Cursors, enterprise_page
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import submit

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def _resolved(session: Session, request: ServiceRequest, at: datetime, rating: int | None, satisfaction: Satisfaction):
    session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id)
        .values(status=Status.CLOSED, resolved_at=at, rating=rating, visited_at=at + timedelta(days=2),
                satisfaction=satisfaction)
    )  # fmt: skip


def test_requests_come_newest_first_a_page_at_a_time(session: Session, people: People, settings: DeskSettings) -> None:
    made = [submit(session, people, settings, title=f"诉求{n}").id for n in range(PAGE_SIZE + 3)]
    first = enterprise_page(session, people.staff, people.enterprise.id, now=NOW)
    assert [r.id for r in first.requests.items] == made[::-1][:PAGE_SIZE]
    second = enterprise_page(session, people.staff, people.enterprise.id, Cursors(first.requests.next_cursor), NOW)
    assert [r.id for r in second.requests.items] == made[::-1][PAGE_SIZE:] and second.requests.next_cursor is None


def test_satisfaction_is_counted_by_month_and_open_orders_listed(
    session: Session, people: People, settings: DeskSettings
) -> None:
    october = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    good, poor, other = (submit(session, people, settings, product_name="超声诊断仪") for _ in range(3))
    _resolved(session, good, october, 5, Satisfaction.VERY_SATISFIED)
    _resolved(session, poor, october, 2, Satisfaction.UNSATISFIED)
    session.add(
        SupervisionOrder(
            request_id=other.id,
            station_id=other.station_id,
            issued_by_id=people.hub_director.id,
            issue="超期未办结",
            requirement="报送落实情况",
            deadline=NOW + timedelta(days=3),
        )
    )
    session.commit()

    page = enterprise_page(session, people.director, people.enterprise.id, now=NOW)

    by_month = {str(m.period): m for m in page.satisfaction}
    assert len(page.satisfaction) == 12 and list(by_month)[-1] == "2026-11"
    assert (by_month["2026-10"].rated, by_month["2026-10"].rating_average) == (2, 3.5)
    assert (by_month["2026-10"].visited, by_month["2026-10"].satisfied_percent) == (2, 50)
    assert by_month["2026-09"].rated == 0 and by_month["2026-09"].rating_average is None
    assert [o.request_id for o in page.orders] == [other.id]
    assert [(p.name, p.requests) for p in page.products] == [("超声诊断仪", 3)]


def test_contacts_include_former_ones(session: Session, people: People) -> None:
    people.colleague.active = False
    session.commit()
    page = enterprise_page(session, people.staff, people.enterprise.id, now=NOW)
    assert [(u.id, u.active) for u in page.contacts] == [(people.owner.id, True), (people.colleague.id, False)]


def test_the_page_answers_only_within_the_readers_scope(session: Session, people: People) -> None:
    for outsider in (people.other_staff, people.other_director):
        with pytest.raises(NotFound):
            enterprise_page(session, outsider, people.enterprise.id, now=NOW)
    with pytest.raises(Forbidden):
        enterprise_page(session, people.owner, people.enterprise.id, now=NOW)
    with pytest.raises(NotFound):
        enterprise_page(session, people.other_enterprise, people.enterprise.id, now=NOW)
    for insider in (people.staff, people.hub_staff, people.hub_director, people.admin):
        assert enterprise_page(session, insider, people.enterprise.id, now=NOW).enterprise.id == people.enterprise.id


def test_a_request_transferred_to_another_station_stays_off_this_stations_page(
    session: Session, people: People, settings: DeskSettings
) -> None:
    kept, moved = submit(session, people, settings), submit(session, people, settings)
    tonghua = factories.station(session, "JL-TH")
    session.execute(update(ServiceRequest).where(ServiceRequest.id == moved.id).values(station_id=tonghua.id))
    session.commit()
    page = enterprise_page(session, people.staff, people.enterprise.id, now=NOW)
    assert [r.id for r in page.requests.items] == [kept.id]
    hub_page = enterprise_page(session, people.hub_staff, people.enterprise.id, now=NOW)
    assert {r.id for r in hub_page.requests.items} == {kept.id, moved.id}


def test_the_api_gives_the_same_page(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)

    def headers(user: object) -> dict[str, str]:
        token = api_tokens.create_token(session, user, "tests", "read", 30, max_days=30).secret  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    answer = client.get(f"/api/v1/enterprises/{people.enterprise.id}", headers=headers(people.staff))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["credit_code"] == people.enterprise.credit_code
    assert [r["reference"] for r in body["requests"]] == [request.reference]
    assert {c["id"] for c in body["contacts"]} == {people.owner.id, people.colleague.id}
    assert len(body["satisfaction"]) == 12
    assert (
        client.get(f"/api/v1/enterprises/{people.enterprise.id}", headers=headers(people.other_staff)).status_code
        == 404
    )
    assert client.get(f"/api/v1/enterprises/{people.enterprise.id}", headers=headers(people.owner)).status_code == 403
