"""Shared people and builders for the request, SLA, lifecycle and plan tests (imported by those modules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.models import (
    Category,
    Enterprise,
    LifecycleStage,
    PlanStatus,
    Priority,
    Role,
    ServicePlan,
    ServiceRequest,
    Station,
    Status,
    User,
)
from service.operations.attachments import Upload
from service.operations.requests import RequestDraft, submit_request, take_action, triage_request
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests import factories
from tests.conftest import suite_settings

# Tuesday 2026-03-10 10:00 in Shanghai: an ordinary working morning.
TUESDAY_10 = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class People:
    owner: User  # contact person of the enterprise that submits
    colleague: User  # another contact person of the same enterprise
    other_enterprise: User  # contact of an enterprise of the same station
    staff: User  # staff of the enterprise's station (JL-CCND)
    staff2: User  # a second staff member there
    other_staff: User  # staff of another sub-station (JL-TH)
    hub_staff: User
    director: User  # director of JL-CCND
    other_director: User  # director of JL-TH
    hub_director: User  # the provincial director
    admin: User
    enterprise: Enterprise


@pytest.fixture()
def settings(tmp_path: Path) -> DeskSettings:
    return suite_settings(
        upload_folder=str(tmp_path / "uploads"), max_attachment_bytes=1024 * 1024, max_attachments_per_message=3
    ).desk


@pytest.fixture()
def people(session: Session) -> People:
    enterprise = factories.enterprise(session, "JL-CCND")
    owner = factories.user(session, Role.ENTERPRISE, enterprise_=enterprise)
    return People(
        owner=owner,
        colleague=factories.user(session, Role.ENTERPRISE, enterprise_=enterprise),
        other_enterprise=factories.user(session, Role.ENTERPRISE, "JL-CCND"),
        staff=factories.user(session, Role.STAFF, "JL-CCND"),
        staff2=factories.user(session, Role.STAFF, "JL-CCND"),
        other_staff=factories.user(session, Role.STAFF, "JL-TH"),
        hub_staff=factories.user(session, Role.STAFF, "JL-HUB"),
        director=factories.user(session, Role.DIRECTOR, "JL-CCND"),
        other_director=factories.user(session, Role.DIRECTOR, "JL-TH"),
        hub_director=factories.user(session, Role.DIRECTOR, "JL-HUB"),
        admin=factories.user(session, Role.ADMIN, "JL-HUB"),
        enterprise=enterprise,
    )


def draft(**changes: object) -> RequestDraft:
    values: dict[str, object] = dict(
        title="注册申报资料咨询",
        description="请指导第二类产品注册申报资料的准备。",
        category=Category.REGISTRATION_DOSSIER,
        lifecycle_stage=LifecycleStage.REGISTRATION_SUBMISSION,
    )
    values.update(changes)
    return RequestDraft(**values)  # type: ignore[arg-type]


def submit(
    session: Session,
    people: People,
    settings: DeskSettings,
    now: datetime = TUESDAY_10,
    uploads: tuple[Upload, ...] = (),
    **changes: object,
) -> ServiceRequest:
    return submit_request(session, people.owner, draft(**changes), uploads, settings=settings, now=now)


def triaged(
    session: Session,
    people: People,
    settings: DeskSettings,
    now: datetime = TUESDAY_10,
    priority: Priority = Priority.P3,
    **changes: object,
) -> ServiceRequest:
    request = submit(session, people, settings, now, **changes)
    return triage_request(
        session,
        people.staff,
        request.id,
        request.version,
        category=request.category,
        priority=priority,
        lifecycle_stage=request.lifecycle_stage,
        assignee_id=people.staff.id,
        settings=settings,
        now=now,
    )


def active_plan(session: Session, people: People) -> ServicePlan:
    """An approved plan of the people's enterprise (test setup: written directly, not through plan operations)."""
    plan = session.scalars(
        select(ServicePlan).where(
            ServicePlan.enterprise_id == people.enterprise.id, ServicePlan.status == PlanStatus.ACTIVE
        )
    ).first()
    if plan is None:
        plan = ServicePlan(
            enterprise_id=people.enterprise.id,
            station_id=people.enterprise.station_id,
            title="一企一策",
            goals="完成注册",
            created_by_id=people.staff.id,
            status=PlanStatus.ACTIVE,
        )
        session.add(plan)
        session.commit()
    return plan


def act(
    session: Session,
    actor: User,
    request: ServiceRequest,
    action: Action,
    settings: DeskSettings,
    now: datetime = TUESDAY_10,
    **inputs: object,
) -> ServiceRequest:
    return take_action(session, actor, request.id, request.version, action, settings=settings, now=now, **inputs)  # type: ignore[arg-type]


def in_status(
    session: Session, people: People, settings: DeskSettings, status: Status, now: datetime = TUESDAY_10
) -> ServiceRequest:
    """A fresh request of the people's enterprise, brought to ``status`` the way users would."""
    if status == Status.SUBMITTED:
        return submit(session, people, settings, now)
    if status in (Status.DECLINED, Status.WITHDRAWN):
        request = submit(session, people, settings, now)
        if status == Status.DECLINED:
            return act(session, people.staff, request, Action.DECLINE, settings, now, reason="不属于服务范围")
        return act(session, people.owner, request, Action.WITHDRAW, settings, now, reason="已自行解决")
    request = triaged(session, people, settings, now)
    steps = {
        Status.TRIAGED: [],
        Status.EARLY_INTERVENTION: [(people.staff, Action.START_INTERVENTION, {})],
        Status.GUIDANCE: [(people.staff, Action.START_GUIDANCE, {})],
        Status.WAITING_ENTERPRISE: [(people.staff, Action.REQUEST_INFO, {"message": "请补充检验报告"})],
        Status.RESOLVED: [(people.staff, Action.RESOLVE, {"summary": "已答复"})],
        Status.REVIEW: [(people.staff, Action.RESOLVE, {"summary": "已答复"})],
        Status.CLOSED: [
            (people.staff, Action.RESOLVE, {"summary": "已答复"}),
            (people.owner, Action.CONFIRM, {"rating": 5}),
        ],
    }[status]
    if status == Status.GUIDANCE:
        request.plan_id = active_plan(session, people).id
        session.commit()
    if status == Status.REVIEW:
        review_results(session, request.station_id)
    for actor, action, inputs in steps:
        request = act(session, actor, request, action, settings, now, **inputs)
    assert request.status == status
    return request


def review_results(session: Session, station_id: int, review: bool = True) -> None:
    """The station's head reviews each result before the enterprise is told (an administrator's setting)."""
    station = session.get(Station, station_id)
    assert station is not None
    station.review_closures = review
    session.commit()


@contextmanager
def selects_issued(session: Session) -> Iterator[list[str]]:
    """Collect the SELECT statements run on the session's connection inside the block."""
    statements: list[str] = []

    def collect(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", collect)
