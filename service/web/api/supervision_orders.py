"""Supervision orders (督办) in the API: the list (the supervision page's filters and paging), one order, issuing
one on a request or a plan, and its steps (report, accept, send back, cancel) under the page's policy and
optimistic locking (a stale version answers 409)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from service.errors import Forbidden
from service.models import SupervisionOrder, SupervisionStatus, SupervisionTier
from service.models.base import utcnow
from service.operations import supervision_orders as ops
from service.queries import supervision_orders as queries
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import OrderAction, TierClock, allowed_order_actions, reminders_of, tier_of
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings
from service.web.database import db

TAG = "supervision orders"


class OrderIn(s.Input):
    issue: Annotated[str, s.text(5000, 1)] = Field(description="The issue the unit must deal with.")
    requirement: Annotated[str, s.text(5000, 1)] = Field(description="What the unit must do and report on.")
    deadline: s.UtcDatetime = Field(description="When the unit's report is due; must be in the future.")


class OrderStepIn(s.Input):
    action: OrderAction = Field(
        description="report (the unit: its station's staff and head), accept or send_back (the director who issued "
        "it, or the provincial director), cancel (the same directors)."
    )
    text: Annotated[str, s.text(5000)] = Field(
        "", description="The report; a send-back's comment or a cancellation's reason."
    )
    version: s.Id | None = Field(None, description="The order's version you saw (or send If-Match).")


class OrderQuery(s.Query):
    tier: SupervisionTier | None = Field(None, description="Orders waiting for their unit's report in this tier.")
    status: SupervisionStatus | Literal["all"] | None = Field(
        None, description="One status, or all; by default those not concluded (open and reported)."
    )
    station_id: s.Id | None = None
    overdue: bool = Field(False, description="Only orders waiting for a report past their deadline.")
    cursor: s.Id | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=100)


class OrderOut(s.Output):
    id: int
    request_id: int | None
    plan_id: int | None
    station_id: int = Field(description="The unit that must report: the request's or plan's station.")
    issued_by_id: int
    issue: str
    requirement: str
    deadline: datetime
    status: SupervisionStatus
    tier: SupervisionTier | None = Field(
        description="While waiting for the unit's report: on_schedule, blue, yellow, red."
    )
    report: str | None
    reported_by_id: int | None
    reported_at: datetime | None
    reports: int
    sent_back: int
    comment: str | None = Field(description="The director's latest comment (a send-back's, an acceptance's).")
    closed_at: datetime | None
    created_at: datetime
    version: int
    actions: list[OrderAction] = Field(description="The steps the caller may take now.")


class OrderList(s.Output):
    items: list[OrderOut]
    next_cursor: int | None


def _clock() -> TierClock:
    return queries.tier_clock(db(), desk_settings(), utcnow())


def order_out(order: SupervisionOrder, clock: TierClock) -> OrderOut:
    fields = {name: getattr(order, name) for name in OrderOut.model_fields if name not in {"tier", "actions"}}
    return OrderOut(
        **fields,
        tier=tier_of(order, clock, reminders_of(order)),
        actions=[OrderAction(t.action) for t in allowed_order_actions(caller(), order)],
    )


@endpoint(
    "/supervision-orders",
    summary="Supervision orders in your scope (a station's desk: its own), the nearest deadline first.",
    tag=TAG,
    query=OrderQuery,
    response=OrderList,
)
def list_orders(query: OrderQuery) -> OrderList:
    if not policy.may(caller(), PolicyAction.DESK_USE):
        raise Forbidden()
    if query.status == "all":
        statuses = frozenset(SupervisionStatus)
    elif query.status is not None:
        statuses = frozenset({query.status})
    else:
        statuses = queries.OrderFilters().statuses
    filters = queries.OrderFilters(query.tier, query.station_id, statuses, query.overdue)
    clock = _clock()
    page = queries.order_page(db(), caller(), filters, clock, cursor=query.cursor, limit=query.limit)
    return OrderList(items=[order_out(row.order, clock) for row in page.rows], next_cursor=page.next_cursor)


@endpoint("/supervision-orders/<int:order_id>", summary="One supervision order.", tag=TAG, response=OrderOut)
def get_order(order_id: int) -> OrderOut:
    return order_out(queries.get_order(db(), caller(), order_id), _clock())


def _draft(body: OrderIn) -> ops.OrderDraft:
    return ops.OrderDraft(body.issue, body.requirement, body.deadline)


@endpoint(
    "/requests/<int:request_id>/supervision-orders",
    "POST",
    summary="Issue a supervision order on a request (a director in scope) to its station.",
    tag=TAG,
    body=OrderIn,
    response=OrderOut,
    status=201,
)
def issue_on_request(request_id: int, body: OrderIn) -> OrderOut:
    return order_out(ops.issue_order(db(), caller(), _draft(body), request_id=request_id), _clock())


@endpoint(
    "/plans/<int:plan_id>/supervision-orders",
    "POST",
    summary="Issue a supervision order on a service plan (a director in scope) to its station.",
    tag=TAG,
    body=OrderIn,
    response=OrderOut,
    status=201,
)
def issue_on_plan(plan_id: int, body: OrderIn) -> OrderOut:
    return order_out(ops.issue_order(db(), caller(), _draft(body), plan_id=plan_id), _clock())


@endpoint(
    "/supervision-orders/<int:order_id>/steps",
    "POST",
    summary="Report on an order, accept or send back its report, or cancel it.",
    tag=TAG,
    body=OrderStepIn,
    response=OrderOut,
    headers=("If-Match",),
)
def order_step(order_id: int, body: OrderStepIn) -> OrderOut:
    order = ops.act_on_order(db(), caller(), order_id, expected_version(body.version), body.action, body.text)
    return order_out(order, _clock())
