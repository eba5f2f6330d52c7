"""Read side of service plans: lists, the plan page, the enterprise's progress view,
overdue milestones, and the plan panel of a request page.

Every list is built from ``policy.visible_plans`` / ``visible_requests``, so a
list and a detail page never disagree about scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from service.errors import NotFound
from service.models import (
    OPEN_PLAN_STATUSES,
    Enterprise,
    Event,
    HotlineSession,
    Milestone,
    MilestoneStatus,
    PlanStatus,
    ServicePlan,
    ServiceRequest,
    Station,
    TaskForce,
    User,
)
from service.models.base import utcnow
from service.queries.task_forces import task_forces_of_plan
from service.rules import policy
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.rules.sla import MILESTONE_OVERDUE

# What an enterprise is shown: a plan the director has approved, running or finished.


def local_today(now: datetime | None = None) -> date:
    """Today's date at the stations (Asia/Shanghai), which is what due dates mean."""
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class MilestoneLine:
    milestone: Milestone
    # done, late, blocked, in_progress, next (the first one still to start), planned
    state: str


@dataclass(frozen=True)
class Progress:
    lines: list[MilestoneLine]
    done: int
    total: int

    @property
    def late(self) -> int:
        return sum(1 for line in self.lines if line.state == "late")

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(milestones: list[Milestone], today: date) -> Progress:
    lines: list[MilestoneLine] = []
    next_marked = False
    for milestone in sorted(milestones, key=lambda m: (m.position, m.id)):
        if milestone.status == MilestoneStatus.DONE:
            state = "done"
        elif MILESTONE_OVERDUE.holds(milestone, today):
            state = "late"
        elif milestone.status in (MilestoneStatus.BLOCKED, MilestoneStatus.IN_PROGRESS):
            state = milestone.status.value
        elif not next_marked:
            state = "next"
        else:
            state = "planned"
        next_marked = next_marked or state == "next"
        lines.append(MilestoneLine(milestone, state))
    return Progress(lines, sum(1 for line in lines if line.state == "done"), len(lines))


def get_plan(session: Session, actor: User, plan_id: int, action: PolicyAction = PolicyAction.PLAN_VIEW) -> ServicePlan:
    """Raises NotFound outside scope (and, for an enterprise, for plans not yet approved), Forbidden."""
    plan = session.get(ServicePlan, plan_id)
    if plan is None:
        raise NotFound()
    policy.authorize(actor, action, plan)
    return plan


@dataclass(frozen=True)
class PlanRow:
    plan: ServicePlan
    done: int
    total: int
    late: int


def awaiting_approval() -> ColumnElement[bool]:
    """Drafts a director has still to decide on (a returned one waits for its author, not the director)."""
    return and_(ServicePlan.status == PlanStatus.DRAFT, ServicePlan.returned_at.is_(None))


def awaiting_approval_count(actor: User) -> Select[int]:
    """The query counting the plans ``actor`` may approve that wait for it (menu badge, dashboard)."""
    return select(func.count(ServicePlan.id)).where(awaiting_approval(), policy.visible_plans(actor))


def list_plans(
    session: Session,
    actor: User,
    *,
    status: PlanStatus | None = None,
    station_id: int | None = None,
    text: str = "",
    before: int | None = None,
    limit: int = 50,
    awaiting: bool = False,
    today: date | None = None,
) -> list[PlanRow]:
    """Plans in scope (only those awaiting approval, with ``awaiting``), newest first, ``limit`` at a time
    after the id ``before`` (keyset)."""
    query = (
        select(ServicePlan)
        .join(Enterprise, Enterprise.id == ServicePlan.enterprise_id)
        .where(policy.visible_plans(actor))
        .options(joinedload(ServicePlan.enterprise), joinedload(ServicePlan.station), joinedload(ServicePlan.liaison))
        .order_by(ServicePlan.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(ServicePlan.status == status)
    if awaiting:
        query = query.where(awaiting_approval())
    if station_id is not None:
        query = query.where(ServicePlan.station_id == station_id)
    if text.strip():
        needle = text.strip()
        query = query.where(
            or_(
                ServicePlan.title.icontains(needle, autoescape=True), Enterprise.name.icontains(needle, autoescape=True)
            )
        )
    if before is not None:
        query = query.where(ServicePlan.id < before)
    plans = session.scalars(query).unique().all()
    counts = _milestone_counts(session, [p.id for p in plans], today or local_today())
    return [PlanRow(p, *counts.get(p.id, (0, 0, 0))) for p in plans]


def _milestone_counts(session: Session, plan_ids: list[int], today: date) -> dict[int, tuple[int, int, int]]:
    if not plan_ids:
        return {}
    rows = session.execute(
        select(
            Milestone.plan_id,
            func.sum(case((Milestone.status == MilestoneStatus.DONE, 1), else_=0)),
            func.count(Milestone.id),
            func.sum(case((MILESTONE_OVERDUE.clause(today), 1), else_=0)),
        )
        .where(Milestone.plan_id.in_(plan_ids))
        .group_by(Milestone.plan_id)
    )
    return {plan_id: (int(done or 0), int(total), int(late or 0)) for plan_id, done, total, late in rows}


@dataclass(frozen=True)
class PlanPage:
    plan: ServicePlan
    progress: Progress
    requests: list[ServiceRequest]
    hotline_sessions: list[HotlineSession]
    task_forces: list[TaskForce]
    timeline: list[Event]


def plan_page(session: Session, actor: User, plan_id: int, today: date) -> PlanPage:
    """Everything the desk's plan page shows in one view. Raises NotFound, Forbidden."""
    plan = get_plan(session, actor, plan_id, PolicyAction.PLAN_VIEW_INTERNAL)
    requests = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.plan_id == plan.id, policy.visible_requests(actor))
        .order_by(ServiceRequest.id.desc())
        .limit(200)
    ).all()
    hotline = session.scalars(
        select(HotlineSession)
        .join(ServiceRequest, ServiceRequest.id == HotlineSession.request_id)
        .where(ServiceRequest.plan_id == plan.id, policy.visible_requests(actor))
        .options(joinedload(HotlineSession.request), joinedload(HotlineSession.director))
        .order_by(HotlineSession.id.desc())
        .limit(100)
    ).all()
    timeline = session.scalars(
        select(Event)
        .where(Event.plan_id == plan.id)
        .options(joinedload(Event.actor))
        .order_by(Event.id.desc())
        .limit(200)
    ).all()
    return PlanPage(
        plan,
        progress(plan.milestones, today),
        list(requests),
        list(hotline),
        task_forces_of_plan(session, plan.id),
        list(timeline),
    )


def enterprise_plans(session: Session, actor: User) -> list[ServicePlan]:
    """The approved plans of the actor's own enterprise, the running one first."""
    if not policy.may(actor, PolicyAction.PLAN_VIEW_OWN):
        return []
    return list(
        session.scalars(
            select(ServicePlan)
            .where(policy.visible_plans(actor))
            .order_by(case((ServicePlan.status == PlanStatus.ACTIVE, 0), else_=1), ServicePlan.id.desc())
        )
    )


def overdue_milestones(session: Session, actor: User, today: date, limit: int = 100) -> list[Milestone]:
    """Milestones of active plans in scope that are not done and past their due date, most overdue first."""
    return list(
        session.scalars(
            select(Milestone)
            .join(ServicePlan, ServicePlan.id == Milestone.plan_id)
            .where(
                MILESTONE_OVERDUE.clause(today), ServicePlan.status == PlanStatus.ACTIVE, policy.visible_plans(actor)
            )
            .options(joinedload(Milestone.plan).joinedload(ServicePlan.enterprise), joinedload(Milestone.owner))
            .order_by(Milestone.due_date, Milestone.id)
            .limit(limit)
        )
    )


def overdue_milestones_count(actor: User, today: date) -> Select[int]:
    """The query counting what ``overdue_milestones`` lists (the menu badge runs it with the other counts)."""
    return (
        select(func.count(Milestone.id))
        .join(ServicePlan, ServicePlan.id == Milestone.plan_id)
        .where(MILESTONE_OVERDUE.clause(today), ServicePlan.status == PlanStatus.ACTIVE, policy.visible_plans(actor))
    )


def count_overdue_milestones(session: Session, actor: User, today: date) -> int:
    return session.scalar(overdue_milestones_count(actor, today)) or 0


def desk_people(session: Session, station_id: int | None = None) -> list[User]:
    """Active staff and directors; with ``station_id``, those who cover that station (its own and the hub's)."""
    query = (
        select(User)
        .join(Station, Station.id == User.station_id)
        .where(policy.desk_members())
        .options(joinedload(User.station))
        .order_by(Station.is_hub, Station.id, User.name)
    )
    if station_id is not None:
        query = query.where(or_(User.station_id == station_id, Station.is_hub.is_(True)))
    return list(session.scalars(query))


def enterprises_for_plans(session: Session, actor: User, text: str = "", limit: int = 20) -> list[Enterprise]:
    """Enterprises of the actor's stations to draft a plan for, found by name or credit code."""
    query = select(Enterprise).options(joinedload(Enterprise.station)).order_by(Enterprise.name).limit(limit)
    if not policy.sees_every_station(actor):
        query = query.where(Enterprise.station_id == actor.station_id)
    if text.strip():
        needle = text.strip()
        query = query.where(
            or_(Enterprise.name.icontains(needle, autoescape=True), Enterprise.credit_code == needle.upper())
        )
    return list(session.scalars(query))


def get_enterprise(session: Session, actor: User, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or not policy.covers_station(actor, enterprise.station_id):
        raise NotFound()
    return enterprise


@dataclass(frozen=True)
class PlanPanel:
    """What the plan panel on a request page shows to the signed-in user."""

    request: ServiceRequest
    plan: ServicePlan | None
    # The linked plan is one this user may open (the enterprise sees approved plans only).
    plan_visible: bool
    can_link: bool
    options: list[ServicePlan]


def plan_panel(session: Session, actor: User, request: ServiceRequest) -> PlanPanel:
    can_link = policy.may(actor, PolicyAction.REQUEST_LINK_PLAN, request)
    # The linked plan and, for those who link, the plans to choose from, in one statement.
    option = (
        and_(
            ServicePlan.enterprise_id == request.enterprise_id,
            ServicePlan.status.in_(OPEN_PLAN_STATUSES),
            policy.visible_plans(actor),
        )
        if can_link
        else false()
    )
    rows: list[tuple[ServicePlan, bool]] = []
    if can_link or request.plan_id is not None:
        rows = [
            (found, bool(is_option))
            for found, is_option in session.execute(
                select(ServicePlan, option.label("option"))
                .where(or_(ServicePlan.id == request.plan_id, option))
                .order_by(ServicePlan.id.desc())
            )
        ]
    plan = next((found for found, _ in rows if found.id == request.plan_id), None)
    visible = plan is not None and policy.may(actor, PolicyAction.PLAN_VIEW, plan)
    return PlanPanel(request, plan, visible, can_link, [found for found, is_option in rows if is_option])
