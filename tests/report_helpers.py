"""A month of cases for the monthly report's tests, made through the operations the portal and the desk use: at
the people's station (JL-CCND) three requests of the month (one flagged as a typical case, one under a supervision
order), one of the month before and one of the month after; at another sub-station (JL-TH) a typical case of the
month that JL-CCND's head must not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.models import Category, DeviceClass, Priority, ProductField, Role, ServiceRequest, SupervisionOrder
from service.operations.requests import submit_request, triage_request
from service.operations.supervision_orders import OrderDraft, issue_order
from service.operations.typical_cases import flag_typical_case
from service.queries.rates import Period
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import act, draft, triaged

TYPICAL_NOTE = "注册人制度下委托生产的典型做法"
OTHER_NOTE = "通化分站的典型案例"


@dataclass(frozen=True)
class MonthOfCases:
    month: Period
    typical: ServiceRequest
    resolved: ServiceRequest
    supervised: ServiceRequest
    order: SupervisionOrder
    other_station_typical: ServiceRequest


def day_of(month: Period, day: int, hour: int = 10) -> datetime:
    """``hour`` o'clock (Asia/Shanghai) on the ``day``-th of ``month``."""
    return month.start + timedelta(days=day - 1, hours=hour)


def month_of_cases(session: Session, people: People, settings: DeskSettings, month: Period) -> MonthOfCases:
    at = lambda day: day_of(month, day)  # noqa: E731
    software = {"product_field": ProductField.F21, "device_class": DeviceClass.III}
    typical = triaged(session, people, settings, at(3), title="委托生产质量协议", **software)
    typical = act(session, people.staff, typical, Action.RESOLVE, settings, at(5), summary="已答复")
    typical = act(session, people.owner, typical, Action.CONFIRM, settings, at(6), rating=5)
    typical = flag_typical_case(
        session, people.director, typical.id, typical.version, typical=True, note=TYPICAL_NOTE, now=at(7)
    )
    resolved = triaged(session, people, settings, at(4), title="注册检验样品数量", **software)
    resolved = act(session, people.staff, resolved, Action.RESOLVE, settings, at(8), summary="已答复")
    supervised = triaged(
        session,
        people,
        settings,
        at(9),
        title="临床评价路径",
        category=Category.CLINICAL_EVALUATION,
        product_field=ProductField.IVD_REAGENT,
        device_class=DeviceClass.II,
    )
    order = issue_order(
        session,
        people.hub_director,
        OrderDraft("办理进度缓慢", "三日内报送落实情况", at(20)),
        request_id=supervised.id,
        now=at(10),
    )
    triaged(session, people, settings, month.start - timedelta(days=2), category=Category.TYPE_TESTING)
    triaged(session, people, settings, month.end + timedelta(hours=1), category=Category.POLICY)

    enterprise = factories.enterprise(session, "JL-TH")
    contact = factories.user(session, Role.ENTERPRISE, enterprise_=enterprise)
    other = submit_request(
        session, contact, draft(title="通化的典型案例", category=Category.POLICY), settings=settings, now=at(3)
    )
    other = triage_request(
        session,
        people.other_staff,
        other.id,
        other.version,
        category=other.category,
        priority=Priority.P3,
        lifecycle_stage=other.lifecycle_stage,
        assignee_id=people.other_staff.id,
        settings=settings,
        now=at(3),
    )
    other = act(session, people.other_staff, other, Action.RESOLVE, settings, at(4), summary="已答复")
    other = flag_typical_case(
        session, people.other_director, other.id, other.version, typical=True, note=OTHER_NOTE, now=at(5)
    )
    return MonthOfCases(month, typical, resolved, supervised, order, other)
