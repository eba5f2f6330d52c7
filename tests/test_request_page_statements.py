"""A request page with every panel filled keeps to the statement budget: files on replies, on internal notes and
with the submission, instructions, hotline sessions with follow-ups, task forces with members, a linked plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.models import (
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    ServiceRequest,
    TaskForce,
    TaskForceMember,
)
from service.models.base import utcnow
from service.operations.attachments import Upload
from service.operations.instructions import write_instruction
from service.operations.requests import add_message
from service.store.settings import DeskSettings
from tests.conftest import login
from tests.request_helpers import PDF, People, active_plan, people, triaged  # noqa: F401 - fixtures
from tests.test_statement_budget import BUDGET, statements
from tests.web_requests_support import EN, settings  # noqa: F401 - fixtures

ROWS = 3


def _pdf(name: str) -> tuple[Upload]:
    return (Upload(name, "application/pdf", PDF),)


@pytest.fixture()
def full(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    request = triaged(session, people, settings, uploads=_pdf("申报资料.pdf"))
    request.plan_id = active_plan(session, people).id
    session.commit()
    for n in range(ROWS):
        add_message(session, people.staff, request.id, f"答复 {n}", uploads=_pdf(f"答复附件{n}.pdf"), settings=settings)
        add_message(
            session,
            people.staff2,
            request.id,
            f"内部备注 {n}",
            internal=True,
            uploads=_pdf(f"内部附件{n}.pdf"),
            settings=settings,
        )
        add_message(
            session, people.owner, request.id, f"企业回复 {n}", uploads=_pdf(f"企业附件{n}.pdf"), settings=settings
        )
        write_instruction(session, people.director, request.id, f"请尽快办理 {n}")
        session.add(
            HotlineSession(
                request_id=request.id,
                requested_by_id=people.owner.id,
                reason=f"沟通注册路径 {n}",
                status=HotlineStatus.HELD,
                director_id=people.director.id,
                scheduled_at=utcnow() - timedelta(days=n + 1),
                duration_minutes=30,
                follow_ups=[
                    FollowUpAction(
                        description=f"跟进事项 {n}-{k}", owner_id=owner.id, due_date=utcnow().date() + timedelta(days=k)
                    )
                    for k, owner in enumerate((people.staff, people.staff2))
                ],
            )
        )
        session.add(
            TaskForce(
                request_id=request.id,
                station_id=request.station_id,
                name=f"专班 {n}",
                purpose="临床评价",
                lead_id=people.staff.id,
                members=[
                    TaskForceMember(user_id=people.staff2.id),
                    TaskForceMember(external_name="外部专家", affiliation="大学"),
                ],
            )
        )
    session.commit()
    return request


@pytest.mark.parametrize("audience", ["desk", "portal"])
def test_a_full_request_page_stays_within_the_budget(
    client: FlaskClient, connection: Connection, people: People, full: ServiceRequest, audience: str
) -> None:
    login(client, people.staff if audience == "desk" else people.owner)
    path = f"/{audience}/requests/{full.id}"
    client.get(path, headers=EN)
    with statements(connection) as seen:
        page = client.get(path, headers=EN).get_data(as_text=True)
    assert len(seen) <= BUDGET, f"{path}: {len(seen)} statements\n" + "\n".join(seen)
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
