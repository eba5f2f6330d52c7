"""The demo plans: several stages, a late milestone and a task force, and running the seed twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.demo import seed
from service.demo.seed_plans import seed_demo_plans
from service.models import Event, PlanStatus, ServicePlan, TaskForce, User
from service.queries.plans import count_overdue_milestones, local_today


def test_demo_plans_cover_several_stages_and_are_idempotent(session: Session) -> None:
    seed.seed_demo_accounts(session)
    assert seed_demo_plans(session) == 3
    statuses = sorted(s.value for s in session.scalars(select(ServicePlan.status)))
    assert statuses == ["active", "active", "completed", "draft"]
    events = session.scalar(select(func.count(Event.id)).where(Event.plan_id.is_not(None)))
    assert seed_demo_plans(session) == 0
    assert session.scalar(select(func.count(Event.id)).where(Event.plan_id.is_not(None))) == events
    assert session.scalar(select(func.count(ServicePlan.id))) == 4
    director = session.scalars(select(User).where(User.email == "director@demo.jl.gov.cn")).one()
    assert count_overdue_milestones(session, director, local_today()) == 1
    assert session.scalar(select(func.count(TaskForce.id))) == 1
    assert session.scalar(select(func.count(ServicePlan.id)).where(ServicePlan.status == PlanStatus.ACTIVE)) == 2
