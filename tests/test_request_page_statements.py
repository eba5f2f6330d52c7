"""A request page with every panel filled keeps to the statement budget: files on replies, on internal notes and
with the submission, instructions, hotline sessions with follow-ups, task forces with members, a linked plan."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection

from service.models import ServiceRequest
from tests.factories import People
from tests.request_helpers import ROWS
from tests.suite import login
from tests.test_statement_budget import BUDGET, DESK_DETAIL_BUDGET, statements
from tests.web_requests_support import EN

PAGE_BUDGET = {"desk": DESK_DETAIL_BUDGET, "portal": BUDGET}


@pytest.mark.parametrize("audience", ["desk", "portal"])
def test_a_full_request_page_stays_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, full: ServiceRequest, audience: str
) -> None:
    login(client, people.staff if audience == "desk" else people.owner)
    path = f"/{audience}/requests/{full.id}"
    client.get(path, headers=EN)
    with statements(connection) as seen:
        page = client.get(path, headers=EN).get_data(as_text=True)
    assert len(seen) <= PAGE_BUDGET[audience], f"{path}: {len(seen)} statements\n" + "\n".join(seen)
    shown = [
        "申报资料.pdf",
        f"答复附件{ROWS - 1}.pdf",
        f"企业附件{ROWS - 1}.pdf",
        "一企一策",
        f"沟通注册路径 {ROWS - 1}",
    ]
    internal = [f"内部附件{ROWS - 1}.pdf", f"请尽快办理 {ROWS - 1}", f"跟进事项 {ROWS - 1}-1", f"专班 {ROWS - 1}"]
    assert [text for text in shown if text not in page] == []
    assert [text for text in internal if text in page] == (internal if audience == "desk" else [])
