"""Resolving a request with work still open around it asks for confirmation and lists that work (issue 21, item 4;
supervision orders: issue 23): in the operation, on the desk's request page, and over the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NeedsConfirmation
from service.models import (
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    Milestone,
    MilestonePhase,
    MilestoneStatus,
    ServiceRequest,
    Status,
    SupervisionOrder,
    SupervisionStatus,
    TaskForce,
    TaskForceStatus,
)
from service.models.base import utcnow
from service.operations import api_tokens
from service.operations.instructions import write_instruction
from service.operations.supervision_orders import OrderDraft, issue_order
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import act, active_plan, triaged
from tests.suite import login
from tests.web_requests_support import get, send, version_in

SUMMARY = "已当面说明注册路径"


def _supervision_order(session: Session, people: People, request: ServiceRequest, done: bool) -> str:
    order = issue_order(
        session,
        people.director,
        OrderDraft("企业反映答复迟缓", "三个工作日内书面答复", utcnow() + timedelta(days=5)),
        request_id=request.id,
    )
    if done:
        # Reported and accepted (督办办结).
        session.get(SupervisionOrder, order.id).status = SupervisionStatus.CLOSED  # type: ignore[union-attr]
    return "企业反映答复迟缓"


def _follow_up(session: Session, people: People, request: ServiceRequest, done: bool) -> str:
    session.add(
        HotlineSession(
            request_id=request.id,
            requested_by_id=people.owner.id,
            reason="沟通注册路径",
            status=HotlineStatus.HELD,
            director_id=people.director.id,
            scheduled_at=utcnow() - timedelta(days=1),
            duration_minutes=30,
            follow_ups=[
                FollowUpAction(
                    description="补充临床评价资料清单",
                    owner_id=people.staff.id,
                    due_date=utcnow().date(),
                    done_at=utcnow() if done else None,
                )
            ],
        )
    )
    return "补充临床评价资料清单"


def _instruction(session: Session, people: People, request: ServiceRequest, done: bool) -> str:
    instruction = write_instruction(session, people.director, request.id, "请本周内给企业书面答复")
    if done:
        instruction.acknowledged_at, instruction.acknowledged_by_id = utcnow(), people.staff.id
    return "请本周内给企业书面答复"


def _task_force(session: Session, people: People, request: ServiceRequest, done: bool) -> str:
    session.add(
        TaskForce(
            request_id=request.id,
            station_id=request.station_id,
            name="临床评价专班",
            purpose="临床评价",
            lead_id=people.staff.id,
            status=TaskForceStatus.CLOSED if done else TaskForceStatus.ACTIVE,
        )
    )
    return "临床评价专班"


def _milestone(session: Session, people: People, request: ServiceRequest, done: bool) -> str:
    request.plan_id = active_plan(session, people).id
    session.add(
        Milestone(
            plan_id=request.plan_id,
            position=1,
            phase=MilestonePhase.TYPE_TESTING,
            title="完成型式检验",
            status=MilestoneStatus.DONE if done else MilestoneStatus.IN_PROGRESS,
        )
    )
    return "完成型式检验"


OPEN_WORK: dict[str, Callable[[Session, People, ServiceRequest, bool], str]] = {
    "supervision_order": _supervision_order,
    "follow_up": _follow_up,
    "instruction": _instruction,
    "task_force": _task_force,
    "milestone": _milestone,
}


def _with(
    session: Session, people: People, app_settings: DeskSettings, kind: str, done: bool = False
) -> tuple[ServiceRequest, str]:
    request = triaged(session, people, app_settings)
    title = OPEN_WORK[kind](session, people, request, done)
    session.commit()
    return request, title


@pytest.mark.parametrize("kind", OPEN_WORK)
def test_each_kind_of_open_work_holds_the_resolve_until_confirmed(
    session: Session, people: People, app_settings: DeskSettings, kind: str
) -> None:
    request, title = _with(session, people, app_settings, kind)
    with pytest.raises(NeedsConfirmation) as refused:
        act(session, people.staff, request, Action.RESOLVE, app_settings, summary=SUMMARY)
    assert [(item["kind"], item["title"]) for item in refused.value.items] == [(kind, title)]
    session.expire_all()
    assert session.get(ServiceRequest, request.id).status == Status.TRIAGED
    resolved = act(session, people.staff, request, Action.RESOLVE, app_settings, summary=SUMMARY, confirmed=True)
    assert resolved.status == Status.RESOLVED and resolved.resolution_summary == SUMMARY


@pytest.mark.parametrize("kind", OPEN_WORK)
def test_finished_work_does_not_hold_the_resolve(
    session: Session, people: People, app_settings: DeskSettings, kind: str
) -> None:
    request, _ = _with(session, people, app_settings, kind, done=True)
    assert act(session, people.staff, request, Action.RESOLVE, app_settings, summary=SUMMARY).status == Status.RESOLVED


def test_every_open_item_is_listed_together(session: Session, people: People, app_settings: DeskSettings) -> None:
    request = triaged(session, people, app_settings)
    titles = []
    for build in OPEN_WORK.values():
        titles.append(build(session, people, request, False))
        session.commit()
    with pytest.raises(NeedsConfirmation) as refused:
        act(session, people.staff, request, Action.RESOLVE, app_settings, summary=SUMMARY)
    assert [item["title"] for item in refused.value.items] == titles


def test_the_desk_page_lists_the_open_work_and_resolves_once_confirmed(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request, title = _with(session, people, app_settings, "instruction")
    login(client, people.staff)
    path = f"/desk/requests/{request.id}"
    version = version_in(get(client, path).get_data(as_text=True), "resolve")
    refused = send(
        client,
        f"{path}/actions/resolve",
        {"resolve-version": str(version), "resolve-summary": SUMMARY},
        prefix="resolve",
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith(path)
    page = get(client, path).get_data(as_text=True)
    assert "Work on this request is still open. Resolve it anyway?" in page
    assert "Instruction not acknowledged" in page and title in page
    assert SUMMARY in page and 'name="resolve-confirmed"' in page  # what was typed is kept, the box offered
    session.expire_all()
    assert session.get(ServiceRequest, request.id).status == Status.TRIAGED
    done = send(
        client,
        f"{path}/actions/resolve",
        {"resolve-version": str(version), "resolve-summary": SUMMARY, "resolve-confirmed": "y"},
        prefix="resolve",
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(ServiceRequest, request.id).status == Status.RESOLVED
    assert 'name="resolve-confirmed"' not in get(client, path).get_data(as_text=True)


def test_a_reported_order_still_holds_the_resolve(session: Session, people: People, app_settings: DeskSettings) -> None:
    request, title = _with(session, people, app_settings, "supervision_order")
    session.scalars(select(SupervisionOrder)).one().status = SupervisionStatus.REPORTED
    session.commit()
    with pytest.raises(NeedsConfirmation) as refused:
        act(session, people.staff, request, Action.RESOLVE, app_settings, summary=SUMMARY)
    assert [item["title"] for item in refused.value.items] == [title]


def test_the_desk_page_lists_an_open_supervision_order_in_chinese(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request, title = _with(session, people, app_settings, "supervision_order")
    login(client, people.staff)
    path = f"/desk/requests/{request.id}"
    version = version_in(get(client, path).get_data(as_text=True), "resolve")
    send(
        client,
        f"{path}/actions/resolve",
        {"resolve-version": str(version), "resolve-summary": SUMMARY},
        prefix="resolve",
    )
    page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "督办未办结" in page and title in page and 'name="resolve-confirmed"' in page


@pytest.mark.parametrize("kind", ["milestone", "supervision_order"])
def test_the_api_answers_409_with_the_open_work_until_confirmed(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings, kind: str
) -> None:
    request, title = _with(session, people, app_settings, kind)
    token = api_tokens.create_token(session, people.staff, "t", "write", 30, max_days=30)
    headers = {"Authorization": f"Bearer {token.secret}", "Accept-Language": "en"}
    path = f"/api/v1/requests/{request.id}/transitions"
    refused = client.post(
        path, json={"action": "resolve", "summary": SUMMARY, "version": request.version}, headers=headers
    )
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "confirmation_required"
    assert [(item["kind"], item["title"]) for item in error["open_items"]] == [(kind, title)]
    done = client.post(
        path,
        json={"action": "resolve", "summary": SUMMARY, "version": request.version, "confirmed": True},
        headers=headers,
    )
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
