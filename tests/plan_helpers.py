"""Shared builders for the plan, milestone and task-force tests (imported by those modules)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from service.models import (
    Category,
    Channel,
    Enterprise,
    LifecycleStage,
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.operations import plans
from tests import factories

_numbers = itertools.count(700_001)


@dataclass
class Cast:
    enterprise: Enterprise        # a JL-CCND company
    contact: User                 # its contact person
    other_enterprise: Enterprise  # another JL-CCND company
    other_contact: User
    staff: User                   # JL-CCND staff
    staff2: User
    other_staff: User             # JL-TH staff
    hub_staff: User
    director: User                # JL-CCND director
    other_director: User          # JL-TH director
    hub_director: User
    admin: User


@pytest.fixture()
def cast(session: Session) -> Cast:
    enterprise = factories.enterprise(session, "JL-CCND")
    other = factories.enterprise(session, "JL-CCND")
    return Cast(
        enterprise=enterprise,
        contact=factories.user(session, Role.ENTERPRISE, enterprise_=enterprise),
        other_enterprise=other,
        other_contact=factories.user(session, Role.ENTERPRISE, enterprise_=other),
        staff=factories.user(session, Role.STAFF, "JL-CCND"),
        staff2=factories.user(session, Role.STAFF, "JL-CCND"),
        other_staff=factories.user(session, Role.STAFF, "JL-TH"),
        hub_staff=factories.user(session, Role.STAFF, "JL-HUB"),
        director=factories.user(session, Role.DIRECTOR, "JL-CCND"),
        other_director=factories.user(session, Role.DIRECTOR, "JL-TH"),
        hub_director=factories.user(session, Role.DIRECTOR, "JL-HUB"),
        admin=factories.user(session, Role.ADMIN, "JL-HUB"),
    )


def fields(cast: Cast, title: str = "影像AI软件注册一企一策", **changes: object) -> plans.PlanFields:
    values: dict[str, object] = dict(title=title, goals="完成第三类医疗器械注册。", products="肺结节CT影像辅助检测软件",
                                     liaison_id=cast.staff.id)
    values.update(changes)
    return plans.PlanFields(**values)  # type: ignore[arg-type]


def draft_plan(session: Session, cast: Cast, enterprise: Enterprise | None = None, **changes: object) -> ServicePlan:
    return plans.create_plan(session, cast.staff, (enterprise or cast.enterprise).id, fields(cast, **changes))


def active_plan(session: Session, cast: Cast, enterprise: Enterprise | None = None, **changes: object) -> ServicePlan:
    plan = draft_plan(session, cast, enterprise, **changes)
    return plans.change_plan_status(session, cast.director, plan.id, plans.PlanAction.APPROVE, plan.version)


def make_request(session: Session, enterprise: Enterprise, submitter: User,
                 status: Status = Status.TRIAGED) -> ServiceRequest:
    n = next(_numbers)
    found = ServiceRequest(
        reference=f"JL-2026-{n}", year=2026, sequence=n, enterprise_id=enterprise.id, submitter_id=submitter.id,
        channel=Channel.WEB, title="临床评价路径咨询", description="请指导临床评价路径。",
        category=Category.CLINICAL_EVALUATION, lifecycle_stage=LifecycleStage.CLINICAL_EVALUATION,
        station_id=enterprise.station_id, status=status,
    )
    session.add(found)
    session.commit()
    return found
