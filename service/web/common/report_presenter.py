"""The monthly report's (月报) page and workbook: the figures of service.queries.monthly_report as the reader reads
them, in the reader's language: rates as percentages beside their change from the month before, each breakdown with
its shares, the open supervision orders and the typical cases with links to their cases.

The template draws ``ReportPage``; ``report_workbook`` gives the same tables as an Excel file, as numbers with their
formats rather than text (the page's and the API's download alike).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import Response, send_file, url_for
from flask_babel import format_date, gettext, pgettext

from service.infrastructure.workbook import CellKind, Column, Sheet, workbook
from service.queries.monthly_report import MonthlyReport, OpenOrder, Share, TypicalCase, UnitLine
from service.queries.rates import RATES, Period, Rate
from service.rules.local_time import LOCAL_TZ
from service.web.common.helpers import station_name
from service.web.common.orders_presenter import order_badge, subject_url
from service.web.common.request_display import when
from service.web.forms.director import ReportMonthForm
from service.web.labels import label

# Beside the rates: how many requests came, had their result (办结) and their return visit (回访) in the month, then
# the reminders (催办) sent on the month's requests and the requests under a supervision order (督办) issued in it.
COUNTED = ("received", "closed", "visited")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The page lists the orders nearest their deadline; the workbook holds them all.
ORDERS_SHOWN = 50


def month_title(month: Period) -> str:
    """The month in the reader's language: 2026年5月, May 2026."""
    shown: str = format_date(month.first_day, pgettext("month pattern", "MMMM y"))
    return shown


def report_title(month: Period) -> str:
    return gettext("Monthly report, %(month)s", month=month_title(month))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _points(change: float | None) -> str:
    """A change in percentage points, signed: +2.1, −0.4, ±0.0 ("" without a figure for both months)."""
    if change is None:
        return ""
    points = round(change * 100, 1)
    return "±0.0" if points == 0 else f"{points:+.1f}".replace("-", "−")


@dataclass(frozen=True)
class RateCell:
    text: str
    change: str
    # "better" or "worse" than the month before, as the rate counts (a lower return rate is better); "" when equal.
    trend: str
    # The figures behind it: "17 of 20 · month before: 80.0%".
    title: str
    # The requests it counts (its numerator's), on the rates' list; None when there is nothing to divide by.
    url: str | None


@dataclass(frozen=True)
class CountCell:
    text: str
    # The requests counted (None for the reminders, which count reminders, not requests).
    url: str | None


@dataclass(frozen=True)
class UnitRow:
    name: str
    rates: list[RateCell]
    counts: list[CountCell]
    total: bool


@dataclass(frozen=True)
class RateHeading:
    label: str
    formula: str


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: str
    share: str


@dataclass(frozen=True)
class Breakdown:
    title: str
    # The first column's heading: what each row is.
    heading: str
    rows: list[ShareRow]


@dataclass(frozen=True)
class OrderRow:
    badge: dict[str, str]
    case: str
    url: str
    enterprise: str
    unit: str
    issue: str
    deadline: str
    issued_by: str


@dataclass(frozen=True)
class TypicalRow:
    reference: str
    title: str
    url: str
    enterprise: str
    station: str
    category: str
    field: str
    result: str
    closed: str
    note: str
    flagged_by: str


@dataclass(frozen=True)
class ReportView:
    rates: list[RateHeading]
    count_headings: list[str]
    units: list[UnitRow]
    submitted: int
    breakdowns: list[Breakdown]
    orders: list[OrderRow]
    # Orders beyond those shown, in the workbook and on the supervision page.
    orders_more: int
    typical: list[TypicalRow]


@dataclass(frozen=True)
class ReportPage:
    month: str
    title: str
    # Whose report: the province's, or a station's head's own station.
    scope: str
    form: ReportMonthForm
    previous_url: str
    # None for the month in progress (nothing after it has begun).
    next_url: str | None
    workbook_url: str
    orders_url: str
    generated: str
    # None when the month asked for is not one (the form says why).
    report: ReportView | None


def _count_headings() -> list[str]:
    return [
        gettext("Requests received"),
        gettext("Results given"),
        gettext("Return visits"),
        gettext("Reminders sent"),
        gettext("Requests supervised"),
    ]


def _counts(line: UnitLine) -> list[int]:
    counts = line.now
    return [*(counts.count(name) for name in COUNTED), counts.reminders, counts.count("supervised")]


def _requests_url(month: Period, line: UnitLine, bucket: str) -> str:
    """The list behind a number, the rates' own (a station's, or the network's in the reader's scope)."""
    station = line.now.unit.station_id
    return url_for("rates.requests", period=str(month), bucket=bucket, station=station)


def _count_cells(month: Period, line: UnitLine) -> list[CountCell]:
    counted = [CountCell(f"{line.now.count(name):,}", _requests_url(month, line, name)) for name in COUNTED]
    return [
        *counted,
        CountCell(f"{line.now.reminders:,}", None),
        CountCell(f"{line.now.count('supervised'):,}", _requests_url(month, line, "supervised")),
    ]


def _rate_cell(month: Period, line: UnitLine, rate: Rate) -> RateCell:
    share, change = line.now.rate(rate.key), line.change(rate.key)
    trend = ""
    if change:
        trend = "better" if (change > 0) == rate.higher_is_better else "worse"
    title = gettext(
        "%(part)s of %(whole)s · the month before: %(before)s",
        part=line.now.count(rate.numerator),
        whole=line.now.count(rate.denominator),
        before=_percent(line.before.rate(rate.key)),
    )
    url = _requests_url(month, line, rate.numerator) if share is not None else None
    return RateCell(_percent(share), _points(change), trend, title, url)


def _unit_name(line: UnitLine) -> str:
    return station_name(line.now.station) if line.now.station else gettext("All stations")


def _unit_rows(report: MonthlyReport) -> list[UnitRow]:
    lines = [(line, False) for line in report.stations]
    if report.network is not None:
        lines.append((report.network, True))
    month = report.month
    return [
        UnitRow(_unit_name(line), [_rate_cell(month, line, rate) for rate in RATES], _count_cells(month, line), total)
        for line, total in lines
    ]


def _share_label(share: Share) -> str:
    return label(share.value) if share.value is not None else gettext("Not given")


def _breakdown_parts(report: MonthlyReport) -> list[tuple[str, str, list[Share]]]:
    """Each breakdown's title, what its rows are, and its shares."""
    parts = report.breakdowns
    return [
        (gettext("Categories"), gettext("Category"), parts.categories),
        (gettext("Product fields"), gettext("Product field"), parts.product_fields),
        (gettext("Device classes"), gettext("Device class"), parts.device_classes),
    ]


def _breakdowns(report: MonthlyReport) -> list[Breakdown]:
    return [
        Breakdown(title, heading, [ShareRow(_share_label(s), f"{s.count:,}", _percent(s.share)) for s in shares])
        for title, heading, shares in _breakdown_parts(report)
    ]


def _case(row: OpenOrder) -> str:
    order = row.order
    if order.request is not None:
        return f"{order.request.reference} {order.request.title}"
    assert order.plan is not None  # an order is on a request or on a plan
    return gettext("Service plan: %(title)s", title=order.plan.title)


def _enterprise(row: OpenOrder) -> str:
    subject = row.order.request or row.order.plan
    return subject.enterprise.name if subject is not None else ""


def _order_row(row: OpenOrder) -> OrderRow:
    order = row.order
    return OrderRow(
        order_badge(order.status, row.tier),
        _case(row),
        subject_url(order),
        _enterprise(row),
        station_name(order.station),
        order.issue,
        when(order.deadline),
        order.issued_by.name,
    )


def _typical_row(case: TypicalCase) -> TypicalRow:
    r = case.request
    return TypicalRow(
        r.reference,
        r.title,
        url_for("desk.request_detail", request_id=r.id),
        r.enterprise.name,
        station_name(r.station),
        label(r.category),
        label(r.product_field),
        label(r.result_category),
        when(r.resolved_at),
        r.typical_note or "",
        case.flagged_by,
    )


def report_view(report: MonthlyReport) -> ReportView:
    return ReportView(
        rates=[RateHeading(gettext(rate.label), gettext(rate.formula)) for rate in RATES],
        count_headings=_count_headings(),
        units=_unit_rows(report),
        submitted=report.breakdowns.submitted,
        breakdowns=_breakdowns(report),
        orders=[_order_row(row) for row in report.orders[:ORDERS_SHOWN]],
        orders_more=max(0, report.orders_open - ORDERS_SHOWN),
        typical=[_typical_row(case) for case in report.typical],
    )


def present_report(
    month: Period,
    current: Period,
    form: ReportMonthForm,
    scope: str,
    now: datetime,
    report: MonthlyReport | None,
) -> ReportPage:
    """The page of ``month``'s report (``report`` None: the month asked for was refused, the form says why)."""
    return ReportPage(
        month=str(month),
        # Refused, the page is no month's report: it says why beside the picker.
        title=report_title(month) if report is not None else gettext("Monthly report"),
        scope=scope,
        form=form,
        previous_url=url_for("reports.monthly", month=str(month.previous())),
        next_url=url_for("reports.monthly", month=str(month.next())) if month < current else None,
        workbook_url=url_for("reports.monthly_workbook", month=str(month)),
        orders_url=url_for("supervision.index"),
        generated=when(now),
        report=report_view(report) if report is not None else None,
    )


# ---- the workbook: the same tables, as numbers with their formats -----------------------------------------------


def _rates_sheet(report: MonthlyReport) -> Sheet:
    columns = [Column(gettext("Station"))]
    for rate in RATES:
        columns += [
            Column(gettext(rate.label), CellKind.PERCENT),
            Column(gettext("%(rate)s, change", rate=gettext(rate.label)), CellKind.CHANGE),
        ]
    columns += [Column(heading, CellKind.COUNT) for heading in _count_headings()]

    def row(line: UnitLine) -> list[object]:
        cells: list[object] = [_unit_name(line)]
        for rate in RATES:
            cells += [line.now.rate(rate.key), line.change(rate.key)]
        return cells + list(_counts(line))

    return Sheet(
        gettext("Rates"),
        columns,
        [row(line) for line in report.stations],
        frozen_columns=1,
        totals=[row(report.network)] if report.network is not None else [],
    )


def _share_sheet(title: str, heading: str, shares: Sequence[Share]) -> Sheet:
    return Sheet(
        title,
        [Column(heading), Column(gettext("Requests"), CellKind.COUNT), Column(gettext("Share"), CellKind.PERCENT)],
        [[_share_label(s), s.count, s.share] for s in shares],
    )


def _orders_sheet(report: MonthlyReport) -> Sheet:
    columns = [
        Column(gettext("Tier")),
        Column(gettext("Case")),
        Column(gettext("Enterprise")),
        Column(gettext("Unit")),
        Column(gettext("The issue"), wrap=True),
        Column(gettext("Report by"), CellKind.DATETIME),
        Column(gettext("Issued by")),
        Column(gettext("Issued"), CellKind.DATETIME),
    ]
    rows = [
        [
            order_badge(row.order.status, row.tier)["text"],
            _case(row),
            _enterprise(row),
            station_name(row.order.station),
            row.order.issue,
            row.order.deadline,
            row.order.issued_by.name,
            row.order.created_at,
        ]
        for row in report.orders
    ]
    return Sheet(gettext("Supervision orders"), columns, rows)


def _typical_sheet(report: MonthlyReport) -> Sheet:
    columns = [
        Column(gettext("Reference")),
        Column(gettext("Title"), wrap=True),
        Column(gettext("Enterprise")),
        Column(gettext("Station")),
        Column(gettext("Category")),
        Column(gettext("Product field")),
        Column(gettext("Result")),
        Column(gettext("Result given"), CellKind.DATETIME),
        Column(gettext("Note"), wrap=True),
        Column(gettext("Flagged by")),
    ]
    rows: list[list[object]] = []
    for case in report.typical:
        r = case.request
        rows.append(
            [
                r.reference,
                r.title,
                r.enterprise.name,
                station_name(r.station),
                label(r.category),
                label(r.product_field),
                label(r.result_category),
                r.resolved_at,
                r.typical_note or "",
                case.flagged_by,
            ]
        )
    return Sheet(gettext("Typical cases"), columns, rows)


def _formulas_sheet() -> Sheet:
    return Sheet(
        gettext("Formulas"),
        [Column(gettext("Rate")), Column(gettext("Formula"), wrap=True)],
        [[gettext(rate.label), gettext(rate.formula)] for rate in RATES],
    )


def workbook_name(month: Period) -> str:
    return gettext("monthly-report-%(month)s.xlsx", month=str(month))


def workbook_response(data: bytes, name: str) -> Response:
    """The workbook as a download, kept out of every cache (it carries case data)."""
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def report_workbook(report: MonthlyReport) -> bytes:
    """The report as an .xlsx file, its texts in the reader's language, its times Asia/Shanghai's."""
    return workbook(report_sheets(report), title=report_title(report.month), zone=LOCAL_TZ)


def report_sheets(report: MonthlyReport) -> list[Sheet]:
    """The workbook's sheets, one per table of the page (all the open orders, not only the first ones)."""
    return [
        _rates_sheet(report),
        *(_share_sheet(*part) for part in _breakdown_parts(report)),
        _orders_sheet(report),
        _typical_sheet(report),
        _formulas_sheet(),
    ]
