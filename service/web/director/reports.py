"""The monthly report (月报) for the heads: the page (print-ready: the browser's "print to PDF" files it) and its
Excel workbook. The provincial director reads every station's, a station's head his own station's."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from service.errors import ValidationError
from service.models.base import utcnow
from service.queries.monthly_report import MonthlyReport, default_month, monthly_report, report_month
from service.queries.rates import Period
from service.queries.supervision_orders import tier_clock
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, require, station_name
from service.web.common.report_presenter import (
    ORDERS_SHOWN,
    present_report,
    report_workbook,
    workbook_name,
    workbook_response,
)
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.director import ReportMonthForm

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _scope_name() -> str:
    user = actor()
    return gettext("All stations") if policy.sees_every_station(user) else station_name(user.station)


def _month_asked(form: ReportMonthForm, now: datetime) -> Period | None:
    """The month of ``?month=`` (the last full month without one); None with the reason on the form."""
    if not form.validate():
        return None
    try:
        return report_month(form.month.data, now) if form.month.data else default_month(now)
    except ValidationError as error:
        show_error(form, error)
        return None


def _report(month: Period, now: datetime, orders_shown: int | None = None) -> MonthlyReport:
    return monthly_report(db(), actor(), month, tier_clock(db(), desk_settings(), now), orders_shown)


def _refused(form: ReportMonthForm, now: datetime) -> ResponseReturnValue:
    page = present_report(default_month(now), Period.containing(now), form, _scope_name(), now, None)
    return render_template("director/monthly_report.html", page=page), 400


@bp.route("/monthly")
@require(PolicyAction.REPORT_VIEW)
def monthly() -> ResponseReturnValue:
    now = utcnow()
    form = ReportMonthForm(formdata=request.args)
    month = _month_asked(form, now)
    if month is None:
        return _refused(form, now)
    form.month.data = str(month)
    page = present_report(month, Period.containing(now), form, _scope_name(), now, _report(month, now, ORDERS_SHOWN))
    return render_template("director/monthly_report.html", page=page)


@bp.route("/monthly.xlsx")
@require(PolicyAction.REPORT_VIEW)
def monthly_workbook() -> ResponseReturnValue:
    now = utcnow()
    form = ReportMonthForm(formdata=request.args)
    month = _month_asked(form, now)
    if month is None:
        return _refused(form, now)
    return workbook_response(report_workbook(_report(month, now)), workbook_name(month))
