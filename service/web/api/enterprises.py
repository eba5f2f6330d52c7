"""One enterprise in the API, as the desk's page shows it: profile, contacts (former ones too), products, its
requests, plans and hotline sessions (keyset pages), satisfaction by month and open supervision orders, each within
the caller's scope. Enterprise callers have their own requests and plans; this resource is the desk's."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from service.models import (
    DeviceClass,
    EnterpriseRole,
    EnterpriseSize,
    HotlineStatus,
    PlanStatus,
    Status,
    SupervisionStatus,
)
from service.models.base import utcnow
from service.queries.enterprises import Cursors, enterprise_page
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.database import db

TAG = "enterprises"


class ContactOut(s.Output):
    id: int
    name: str
    email: str
    phone: str
    enterprise_role: EnterpriseRole | None
    active: bool = Field(description="False for a former contact (deactivated); what they wrote stays theirs.")


class ProductOut(s.Output):
    name: str
    device_class: DeviceClass | None
    requests: int = Field(description="Among the enterprise's newest requests, how many name it.")


class MonthOut(s.Output):
    month: str = Field(description="The month, Asia/Shanghai, as 2026-11.")
    rated: int = Field(description="Results of the month the enterprise rated when confirming.")
    rating_average: float | None = Field(description="Their average rating, 1 to 5.")
    visited: int = Field(description="Return visits of the month.")
    satisfied: int = Field(description="Of those, very satisfied, satisfied or basically satisfied.")


class RequestRef(s.Output):
    id: int
    reference: str
    title: str
    status: Status
    contact_id: int = Field(description="The enterprise's contact person for the request.")
    created_at: datetime


class PlanRef(s.Output):
    id: int
    title: str
    status: PlanStatus


class HotlineRef(s.Output):
    id: int
    request_id: int
    status: HotlineStatus
    scheduled_at: datetime | None


class OrderRef(s.Output):
    id: int
    request_id: int | None
    plan_id: int | None
    status: SupervisionStatus
    deadline: datetime
    issue: str


class EnterpriseOut(s.Output):
    id: int
    name: str
    credit_code: str = Field(description="Unified social credit code (GB 32100-2015).")
    city: str
    station_id: int = Field(description="The home station.")
    size: EnterpriseSize
    product_areas: list[str]
    verified: bool
    verified_at: datetime | None
    created_at: datetime
    contacts: list[ContactOut]
    products: list[ProductOut]
    requests: list[RequestRef] = Field(description="Newest first, a page at a time.")
    requests_next_cursor: int | None
    plans: list[PlanRef]
    plans_next_cursor: int | None
    hotline_sessions: list[HotlineRef]
    hotline_sessions_next_cursor: int | None
    satisfaction: list[MonthOut] = Field(description="The last 12 months, oldest first.")
    open_supervision_orders: list[OrderRef]


class EnterpriseQuery(s.Query):
    requests_cursor: s.Id | None = Field(None, description="requests_next_cursor of the previous answer.")
    plans_cursor: s.Id | None = Field(None, description="plans_next_cursor of the previous answer.")
    hotline_sessions_cursor: s.Id | None = Field(
        None, description="hotline_sessions_next_cursor of the previous answer."
    )


@endpoint(
    "/enterprises/<int:enterprise_id>",
    summary="One enterprise as the desk sees it: profile, contacts, products, requests, plans, hotline sessions, "
    "satisfaction by month and open supervision orders (desk and administrators).",
    tag=TAG,
    query=EnterpriseQuery,
    response=EnterpriseOut,
)
def get_enterprise(enterprise_id: int, query: EnterpriseQuery) -> EnterpriseOut:
    cursors = Cursors(query.requests_cursor, query.plans_cursor, query.hotline_sessions_cursor)
    page = enterprise_page(db(), caller(), enterprise_id, cursors, utcnow())
    e = page.enterprise
    return EnterpriseOut(
        id=e.id,
        name=e.name,
        credit_code=e.credit_code,
        city=e.city,
        station_id=e.station_id,
        size=e.size,
        product_areas=list(e.product_areas),
        verified=e.verified,
        verified_at=e.verified_at,
        created_at=e.created_at,
        contacts=[
            ContactOut(
                id=u.id, name=u.name, email=u.email, phone=u.phone, enterprise_role=u.enterprise_role, active=u.active
            )
            for u in page.contacts
        ],
        products=[ProductOut(name=p.name, device_class=p.device_class, requests=p.requests) for p in page.products],
        requests=[
            RequestRef(
                id=r.id,
                reference=r.reference,
                title=r.title,
                status=r.status,
                contact_id=r.submitter_id,
                created_at=r.created_at,
            )
            for r in page.requests.items
        ],
        requests_next_cursor=page.requests.next_cursor,
        plans=[PlanRef(id=p.id, title=p.title, status=p.status) for p in page.plans.items],
        plans_next_cursor=page.plans.next_cursor,
        hotline_sessions=[
            HotlineRef(id=h.id, request_id=h.request_id, status=h.status, scheduled_at=h.scheduled_at)
            for h in page.hotlines.items
        ],
        hotline_sessions_next_cursor=page.hotlines.next_cursor,
        satisfaction=[
            MonthOut(
                month=str(m.period),
                rated=m.rated,
                rating_average=m.rating_average,
                visited=m.visited,
                satisfied=m.satisfied,
            )
            for m in page.satisfaction
        ],
        open_supervision_orders=[
            OrderRef(
                id=o.id, request_id=o.request_id, plan_id=o.plan_id, status=o.status, deadline=o.deadline, issue=o.issue
            )
            for o in page.orders
        ],
    )
