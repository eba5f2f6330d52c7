"""The desk's page of one enterprise reads the requests table through its indexes (ten thousand generated requests,
as tests/test_query_plans.py makes them): no statement of the page reads the whole table."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.models import User
from service.queries.enterprises import Cursors, enterprise_page
from tests.test_query_plans import NOW, assert_indexed, many, people  # noqa: F401 - its fixtures

pytestmark = pytest.mark.slow  # ten thousand requests written for every test


@pytest.mark.parametrize("who", ["staff:JL-CCND", "director:JL-HUB"])
def test_the_enterprise_page_reads_requests_through_indexes(
    many: None,  # noqa: F811
    session: Session,
    connection: Connection,
    people: dict[str, User],  # noqa: F811
    who: str,
) -> None:
    enterprise = people["enterprise:JL-CCND:0"].enterprise
    assert enterprise is not None
    page = enterprise_page(session, people[who], enterprise.id, now=NOW)
    assert page.requests.items, "the generated enterprise has requests"
    assert_indexed(
        connection,
        lambda: enterprise_page(session, people[who], enterprise.id, now=NOW),
        f"enterprise page for {who}",
    )
    deeper = page.requests.next_cursor
    assert_indexed(
        connection,
        lambda: enterprise_page(session, people[who], enterprise.id, Cursors(requests=deeper), now=NOW),
        f"enterprise page's next requests for {who}",
    )
