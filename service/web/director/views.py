"""The director's review: dashboard, the case lists behind its numbers, escalated cases, CSV export."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import Select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from service.errors import ValidationError
from service.models import ServiceRequest, Station, Status
from service.models.base import utcnow
from service.operations.escalation import de_escalate_request
from service.queries import dashboard, rates, supervision
from service.queries.supervision_orders import tier_clock, tier_counts
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store import reference
from service.store.loading import load
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, station_choices
from service.web.common.request_pages import cursor_arg
from service.web.database import db
from service.web.desk.export import csv_response
from service.web.director.dashboard_presenter import present_dashboard
from service.web.forms import show_error
from service.web.forms.director import DashboardFilterForm, DeEscalateForm

bp = Blueprint("director", __name__, url_prefix="/director")

PAGE = 50
BUCKET_TITLES: dict[str, Any] = {
    "open": _l("Open cases"),
    "age_0_7": _l("Open cases submitted 0–7 days ago"),
    "age_8_30": _l("Open cases submitted 8–30 days ago"),
    "age_31_90": _l("Open cases submitted 31–90 days ago"),
    "age_over_90": _l("Open cases submitted over 90 days ago"),
    "overdue_response": _l("Cases overdue for a first response"),
    "overdue_resolution": _l("Cases overdue for resolution"),
    "escalated": _l("Escalated cases"),
    "opened": _l("Cases submitted in the period"),
    "responded": _l("Cases first answered in the period"),
    "responded_on_time": _l("Cases first answered on time in the period"),
    "responded_late": _l("Cases first answered late in the period"),
    "resolved": _l("Cases resolved in the period"),
    "rated": _l("Cases resolved in the period and rated"),
    "hotline_upcoming": _l("Cases with a hotline session in the next 14 days"),
    "hotline_held": _l("Cases with a hotline session held in the period"),
}


def reviewer(view: Callable[..., Any]) -> Callable[..., Any]:
    """Directors, and administrators, who oversee the whole system."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not policy.may(actor(), PolicyAction.DASHBOARD_VIEW):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _scope() -> dashboard.Scope:
    args = request.args
    station = args.get("station", "")
    return dashboard.make_scope(
        actor(),
        utcnow(),
        int(station) if station.isdigit() else None,
        _date(args.get("date_from")),
        _date(args.get("date_to")),
    )


def _filter_form(scope: dashboard.Scope) -> DashboardFilterForm:
    form = DashboardFilterForm(
        formdata=None, station=scope.station_id, date_from=scope.date_from, date_to=scope.date_to
    )
    form.station.choices = [SelectChoice("", gettext("All stations")), *station_choices()]
    return form


def _cases_query(scope: dashboard.Scope) -> tuple[str, Status | None, Select[ServiceRequest]]:
    bucket = request.args.get("bucket", "open")
    bucket = bucket if bucket in dashboard.BUCKETS else "open"
    raw_status = request.args.get("status", "")
    status = Status(raw_status) if raw_status in {s.value for s in Status} else None
    return bucket, status, dashboard.cases_select(scope, bucket, status)


@bp.route("/")
@reviewer
def dashboard_page() -> ResponseReturnValue:
    scope = _scope()
    calendar = reference.working_calendar(db(), desk_settings())
    board = dashboard.build_dashboard(db(), scope, calendar)
    clock = tier_clock(db(), desk_settings(), utcnow())
    page = present_dashboard(
        board,
        actor(),
        _filter_form(scope),
        url_for("director.export", **_filters_only(request.args), bucket="open"),
        tier_counts(db(), actor(), clock, station_id=scope.station_id),
        *_month_rates(scope),
    )
    return render_template("director/dashboard.html", page=page)


def _month_rates(scope: dashboard.Scope) -> tuple[rates.UnitRates, rates.Period]:
    """This month's rates of the dashboard's scope: the station chosen, or all the reader sees."""
    month = rates.Period.containing(scope.now)
    rows = rates.station_rates(db(), scope.actor, month)
    if scope.station_id is None:
        return rates.network_of(rows), month
    chosen = [row for row in rows if row.unit.station_id == scope.station_id]
    return (chosen[0] if chosen else rates.UnitRates(rates.Unit.station(scope.station_id), {})), month


def keyset_page(
    query: Select[ServiceRequest], endpoint: str
) -> tuple[list[ServiceRequest], str | None, dict[str, Any], bool]:
    """One page of cases below ?cursor=, the link to the next page, and the list's own parameters."""
    cursor = cursor_arg()
    if cursor is not None:
        query = query.where(ServiceRequest.id < cursor)
    rows = list(
        db().scalars(
            query.options(
                joinedload(ServiceRequest.enterprise),
                joinedload(ServiceRequest.station),
                joinedload(ServiceRequest.assignee),
            ).limit(PAGE + 1)
        )
    )
    items = rows[:PAGE]
    params: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}  # url_for's keywords
    next_url = url_for(endpoint, **params, cursor=items[-1].id) if len(rows) > PAGE else None
    return items, next_url, params, cursor is None


@bp.route("/cases")
@reviewer
def cases() -> ResponseReturnValue:
    scope = _scope()
    bucket, status, query = _cases_query(scope)
    items, next_url, params, first_page = keyset_page(query, "director.cases")
    return render_template(
        "director/cases.html",
        items=items,
        title=BUCKET_TITLES[bucket],
        status=status,
        scope=scope,
        station=db().get(Station, scope.station_id) if scope.station_id else None,
        next_url=next_url,
        first_page=first_page,
        first_url=url_for("director.cases", **params),
        export_url=url_for("director.export", **params),
        dashboard_url=url_for("director.dashboard_page", **_filters_only(params)),
    )


def _filters_only(params: Mapping[str, str]) -> dict[str, Any]:
    # Any, not str: they go to url_for, whose keywords also include bool ones (_external).
    return {k: v for k, v in params.items() if k in ("station", "date_from", "date_to")}


@bp.route("/export.csv")
@reviewer
def export() -> ResponseReturnValue:
    _, _, query = _cases_query(_scope())
    return csv_response(query, "cases")


@bp.route("/escalated")
@reviewer
def escalated() -> ResponseReturnValue:
    items, next_url, params, first_page = keyset_page(
        dashboard.cases_select(_scope(), "escalated"), "director.escalated"
    )
    return render_template(
        "director/escalated.html",
        items=items,
        form=DeEscalateForm(formdata=None),
        next_url=next_url,
        first_page=first_page,
        first_url=url_for("director.escalated", **params),
        may_de_escalate=lambda case: policy.may(actor(), PolicyAction.REQUEST_DE_ESCALATE, case),
        export_url=url_for("director.export", **_filters_only(request.args), bucket="escalated"),
    )


def extensions_badge() -> Select[tuple[int]] | None:
    """The count beside "Extensions to decide" in the menu."""
    return supervision.pending_count_query(actor())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("nav_badges", {})["director.extensions"] = extensions_badge


@bp.route("/extensions")
@login_required
def extensions() -> ResponseReturnValue:
    """The extension requests waiting for this director's decision (taken on each request's page)."""
    if not policy.may(actor(), PolicyAction.DIRECTOR_USE):
        abort(403)
    cursor = cursor_arg()
    rows = supervision.pending_extensions(db(), actor(), cursor=cursor, limit=PAGE + 1)
    items = rows[:PAGE]
    next_url = url_for("director.extensions", cursor=items[-1].id) if len(rows) > PAGE else None
    return render_template(
        "director/extensions.html",
        items=items,
        next_url=next_url,
        first_page=cursor is None,
        first_url=url_for("director.extensions"),
    )


@bp.route("/escalated/<int:request_id>/de-escalate", methods=["POST"])
@login_required
def de_escalate(request_id: int) -> ResponseReturnValue:
    form = DeEscalateForm()
    if form.validate_on_submit():
        try:
            case = de_escalate_request(db(), actor(), request_id, form.note.data or "")
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("%(reference)s is no longer escalated.", reference=case.reference), "success")
            return redirect(url_for("director.escalated"))
    case = load(db(), actor(), ServiceRequest, request_id, PolicyAction.REQUEST_VIEW)
    if not policy.may(actor(), PolicyAction.REQUEST_DE_ESCALATE, case):
        abort(403)
    return render_template("director/de_escalate.html", case=case, form=form), 400
