"""Shared builders for the plan, milestone and task-force tests (imported by those modules)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.models import Enterprise, ServicePlan
from service.operations import plans
from tests.factories import People


def fields(people: People, title: str = "影像AI软件注册一企一策", **changes: object) -> plans.PlanFields:
    values: dict[str, object] = dict(
        title=title, goals="完成第三类医疗器械注册。", products="肺结节CT影像辅助检测软件", liaison_id=people.staff.id
    )
    values.update(changes)
    return plans.PlanFields(**values)  # type: ignore[arg-type]


def draft_plan(
    session: Session, people: People, enterprise: Enterprise | None = None, **changes: object
) -> ServicePlan:
    return plans.create_plan(session, people.staff, (enterprise or people.enterprise).id, fields(people, **changes))


def active_plan(
    session: Session, people: People, enterprise: Enterprise | None = None, **changes: object
) -> ServicePlan:
    plan = draft_plan(session, people, enterprise, **changes)
    return plans.change_plan_status(
        session, people.director, plan.id, plans.PlanAction.APPROVE, plan.version, comment="同意按方案推进。"
    )
