"""Builders for the request, SLA, lifecycle and plan tests: requests made, and moved on, through the operations
the portal and the desk use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.models import (
    Category,
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    LifecycleStage,
    PlanStatus,
    Priority,
    ServicePlan,
    ServiceRequest,
    Station,
    Status,
    TaskForce,
    TaskForceMember,
    User,
)
from service.models.base import utcnow
from service.operations.attachments import Upload
from service.operations.instructions import write_instruction
from service.operations.relations import merge_request
from service.operations.requests import RequestDraft, add_message, submit_request, take_action, triage_request
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests.factories import People

# Tuesday 2026-03-10 10:00 in Shanghai: an ordinary working morning.
TUESDAY_10 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


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
    if status == Status.MERGED:
        target = triaged(session, people, settings, now)
        duplicate = triaged(session, people, settings, now)
        merge_request(
            session, people.staff, duplicate.id, duplicate.version, target.reference, settings=settings, now=now
        )
        return session.get(ServiceRequest, duplicate.id)
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


ROWS = 3  # of each kind of thing on a full request page


def _pdf(name: str) -> tuple[Upload]:
    return (Upload(name, "application/pdf", PDF),)


def full_request(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    """A triaged request of the people's enterprise with every panel of its page filled, ``ROWS`` of each: files on
    replies, on internal notes and with the submission, instructions, hotline sessions with follow-ups, task forces
    with members, a linked plan (the ``full`` fixture)."""
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
