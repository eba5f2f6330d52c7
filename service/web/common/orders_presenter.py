"""The supervision orders panel of a request's or a plan's page: each order with its tier and the steps the reader
may take on it (from the order's status table and the policy), and the form to issue one when the reader may."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from service.models import ServicePlan, ServiceRequest, SupervisionOrder, SupervisionStatus, SupervisionTier, User
from service.models.base import utcnow
from service.queries.supervision_orders import orders_of, tier_clock
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import OrderAction, allowed_order_actions, reminders_of, tier_of
from service.store.settings import DeskSettings
from service.web.common.request_display import when
from service.web.forms.supervision_orders import IssueOrderForm, OrderStepForm
from service.web.labels import label

ISSUE_SLOT = "order_issue"
# Tier and status tags: coloured, and always with their words (colour is never the only sign).
_TIER_STYLES = {
    SupervisionTier.ON_SCHEDULE: "muted",
    SupervisionTier.BLUE: "tier-blue",
    SupervisionTier.YELLOW: "tier-yellow",
    SupervisionTier.RED: "tier-red",
}
_STATUS_STYLES = {
    SupervisionStatus.REPORTED: "warn",
    SupervisionStatus.CLOSED: "ok",
    SupervisionStatus.CANCELLED: "muted",
}


def order_badge(status: SupervisionStatus, tier: SupervisionTier | None) -> dict[str, str]:
    """The order's tag: its tier while it waits for the unit's report, else its status."""
    if tier is not None:
        return {"text": str(label(tier)), "style": _TIER_STYLES[tier], "tier": tier.value}
    return {"text": str(label(status)), "style": _STATUS_STYLES.get(status, "muted"), "tier": ""}


def subject_url(order: SupervisionOrder) -> str:
    """The page of the order's request or plan, at its orders."""
    if order.request_id is not None:
        return url_for("desk.request_detail", request_id=order.request_id, _anchor="orders")
    return url_for("plans.show", plan_id=order.plan_id, _anchor="orders")


def supervised_badge(watched: bool) -> dict[str, str] | None:
    """The queue row's tag of a request under a supervision order not yet concluded."""
    if not watched:
        return None
    return {"text": gettext("Under supervision"), "style": "tier-yellow", "title": gettext("Supervision orders")}


def step_slot(order_id: int, action: OrderAction) -> str:
    return f"order:{order_id}:{action.value}"


def step_prefix(order_id: int, action: OrderAction) -> str:
    return f"o{order_id}-{action.value}"


@dataclass(frozen=True)
class OrderStep:
    action: OrderAction
    form: OrderStepForm


@dataclass(frozen=True)
class OrderView:
    order: SupervisionOrder
    badge: dict[str, str]
    deadline: str
    steps: list[OrderStep]


@dataclass(frozen=True)
class OrdersPanel:
    orders: list[OrderView]
    # Offered to the directors who may supervise the subject.
    issue: IssueOrderForm | None


def _text_labels() -> dict[OrderAction, str]:
    return {
        OrderAction.REPORT: gettext("What has been done"),
        OrderAction.ACCEPT: gettext("Comment on the report (optional)"),
        OrderAction.SEND_BACK: gettext("What the report still lacks"),
        OrderAction.CANCEL: gettext("Why it is cancelled"),
    }


def _step_form(kept: Mapping[str, FlaskForm], order: SupervisionOrder, action: OrderAction) -> OrderStepForm:
    sent = kept.get(step_slot(order.id, action))
    form = (
        sent
        if isinstance(sent, OrderStepForm)
        else OrderStepForm(prefix=step_prefix(order.id, action), formdata=None, data={"version": order.version})
    )
    form.text.label.text = _text_labels()[action]
    return form


def orders_panel(
    session: Session,
    user: User,
    subject: ServiceRequest | ServicePlan,
    kept: Mapping[str, FlaskForm],
    settings: DeskSettings,
    *,
    read: bool = True,
) -> OrdersPanel:
    """``read`` False: the subject is known to have no orders (nothing to read), only the issue form to offer."""
    on_request = isinstance(subject, ServiceRequest)
    supervise = PolicyAction.REQUEST_SUPERVISE if on_request else PolicyAction.PLAN_SUPERVISE
    if not policy.may(
        user, PolicyAction.REQUEST_VIEW_INTERNAL if on_request else PolicyAction.PLAN_VIEW_INTERNAL, subject
    ):
        return OrdersPanel([], None)
    if not read:
        found: Sequence[SupervisionOrder] = []
    elif on_request:
        found = orders_of(session, request_id=subject.id)
    else:
        found = orders_of(session, plan_id=subject.id)
    clock = tier_clock(session, settings, utcnow())
    views = [
        OrderView(
            order,
            order_badge(order.status, tier_of(order, clock, reminders_of(order))),
            when(order.deadline),
            [
                OrderStep(OrderAction(t.action), _step_form(kept, order, OrderAction(t.action)))
                for t in allowed_order_actions(user, order)
            ],
        )
        for order in found
        if policy.may(user, PolicyAction.SUPERVISION_VIEW, order)
    ]
    issue = None
    if policy.may(user, supervise, subject):
        sent = kept.get(ISSUE_SLOT)
        issue = sent if isinstance(sent, IssueOrderForm) else IssueOrderForm(prefix="order", formdata=None)
    return OrdersPanel(views, issue)
