"""The supervision page (督办) and the forms of supervision orders on request and plan pages: issue an order,
report on one, accept or send back the report, cancel the order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm

from service.errors import Conflict, InvalidTransition, ValidationError
from service.models import SupervisionStatus, SupervisionTier
from service.models.base import utcnow
from service.operations.supervision_orders import OrderDraft, act_on_order, issue_order
from service.queries.plans import get_plan
from service.queries.supervision_orders import OrderFilters, get_order, order_page, tier_clock
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import OrderAction
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, require, station_choices
from service.web.common.kept_forms import send_back
from service.web.common.orders_presenter import ISSUE_SLOT, order_badge, step_prefix, step_slot, subject_url
from service.web.common.request_display import install_template_helpers, when
from service.web.common.request_pages import choice, cursor_arg, request_or_404
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.supervision_orders import IssueOrderForm, OrderFilterForm, OrderStepForm
from service.web.labels import domain_message, label

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
install_template_helpers(bp)


def _success(action: OrderAction) -> str:
    return {
        OrderAction.REPORT: gettext("The report has been filed; the director will review it."),
        OrderAction.ACCEPT: gettext("The report is accepted and the supervision order concluded."),
        OrderAction.SEND_BACK: gettext("The report has been sent back to the unit."),
        OrderAction.CANCEL: gettext("The supervision order has been cancelled."),
    }[action]


def _run(
    back: str, slot: str, form: FlaskForm, call: Callable[[], object], success: str, current_version: Callable[[], int]
) -> ResponseReturnValue:
    """Validate ``form`` and run the one operation; what is not taken goes back to ``back`` as typed.

    A stale version says so at the top and carries the order's new version, so sending again is a knowing choice.
    """
    if not form.validate_on_submit():
        return send_back(back, slot, form)
    try:
        call()
    except ValidationError as error:
        show_error(form, error)
        return send_back(back, slot, form)
    except Conflict as error:
        flash(domain_message(error), "error")
        if isinstance(form, OrderStepForm):
            db().expire_all()
            form.version.data = str(current_version())
        return send_back(back, slot, form)
    except InvalidTransition as error:
        flash(domain_message(error), "error")
        return send_back(back, slot, form)
    flash(success, "success")
    return redirect(back)


def _issue(back: str, *, request_id: int | None = None, plan_id: int | None = None) -> ResponseReturnValue:
    form = IssueOrderForm(prefix="order")

    def call() -> object:
        draft = OrderDraft(form.issue.data or "", form.requirement.data or "", form.deadline_utc())
        return issue_order(db(), actor(), draft, request_id=request_id, plan_id=plan_id)

    return _run(back, ISSUE_SLOT, form, call, gettext("The supervision order has been issued."), lambda: 0)


@bp.route("/requests/<int:request_id>/orders", methods=["POST"])
@require(PolicyAction.DIRECTOR_USE)
def issue_on_request(request_id: int) -> ResponseReturnValue:
    # Out of scope answers 404 whatever was wrong with the form (as the request page's own forms).
    request_or_404(request_id)
    return _issue(url_for("desk.request_detail", request_id=request_id, _anchor="orders"), request_id=request_id)


@bp.route("/plans/<int:plan_id>/orders", methods=["POST"])
@require(PolicyAction.DIRECTOR_USE)
def issue_on_plan(plan_id: int) -> ResponseReturnValue:
    get_plan(db(), actor(), plan_id)
    return _issue(url_for("plans.show", plan_id=plan_id, _anchor="orders"), plan_id=plan_id)


@bp.route("/orders/<int:order_id>/<any(report, accept, send_back, cancel):order_step>", methods=["POST"])
@require(PolicyAction.DESK_USE)
def order_step(order_id: int, order_step: str) -> ResponseReturnValue:
    action = OrderAction(order_step)
    order = get_order(db(), actor(), order_id)
    form = OrderStepForm(prefix=step_prefix(order_id, action))

    def call() -> object:
        return act_on_order(db(), actor(), order_id, form.expected_version(), action, form.text.data or "")

    return _run(
        subject_url(order),
        step_slot(order_id, action),
        form,
        call,
        _success(action),
        lambda: get_order(db(), actor(), order_id).version,
    )


def _statuses(raw: str | None) -> frozenset[SupervisionStatus]:
    if raw == "all":
        return frozenset(SupervisionStatus)
    status = choice(SupervisionStatus, raw)
    return frozenset({status}) if status else OrderFilters().statuses


@bp.route("/")
@require(PolicyAction.DESK_USE)
def index() -> ResponseReturnValue:
    """Every order in the reader's scope (a station's desk: its own), the nearest deadline first."""
    form = OrderFilterForm(request.args)
    form.station_id.choices = [("", gettext("Any station")), *station_choices()]
    if not form.validate():
        abort(400)
    filters = OrderFilters(
        tier=choice(SupervisionTier, form.tier.data),
        station_id=form.station_id.data,
        statuses=_statuses(form.status.data),
        overdue=bool(form.overdue.data),
    )
    page = order_page(db(), actor(), filters, tier_clock(db(), desk_settings(), utcnow()), cursor=cursor_arg())
    args: dict[str, Any] = {k: v for k, v in request.args.items() if v and k != "cursor"}  # url_for's keywords
    rows = [
        {
            "order": row.order,
            "badge": order_badge(row.order.status, row.tier),
            "deadline": when(row.order.deadline),
            "url": subject_url(row.order),
            "status": label(row.order.status),
        }
        for row in page.rows
    ]
    return render_template(
        "desk/supervision.html",
        form=form,
        rows=rows,
        next_url=url_for(".index", cursor=page.next_cursor, **args) if page.next_cursor else None,
        first_url=url_for(".index", **args) if cursor_arg() else None,
    )
