"""The monthly report (月报) as JSON and as its Excel workbook, and typical cases (典型案例): a head flags a result
for the report, or takes the flag back. The page's figures, from the same queries, in the caller's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

from flask.typing import ResponseReturnValue
from flask_babel import gettext
from pydantic import Field

from service.models import (
    Category,
    DeviceClass,
    ProductField,
    ResultCategory,
    SupervisionStatus,
    SupervisionTier,
)
from service.models.base import utcnow
from service.operations.typical_cases import flag_typical_case
from service.queries.monthly_report import MonthlyReport, Share, UnitLine, default_month, monthly_report, report_month
from service.queries.rates import RATES, Period
from service.queries.supervision_orders import tier_clock
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings
from service.web.common.report_presenter import XLSX, report_workbook, workbook_name, workbook_response
from service.web.database import db

TAG = "reports"


class TypicalIn(s.Input):
    typical: bool = Field(description="true flags the request as a typical case, false takes the flag back.")
    note: Annotated[str, s.text(5000)] = Field("", description="What makes the case worth showing (optional).")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


@endpoint(
    "/requests/<int:request_id>/typical",
    "POST",
    summary="Flag a resolved or closed request as a typical case (典型案例), or take the flag back (a head: the "
    "station's director or the provincial director).",
    description="The monthly report lists the typical cases whose result fell in its month. Flagging a request "
    "already flagged, or unflagging one that is not, answers 409.",
    tag=TAG,
    body=TypicalIn,
    response=s.RequestOut,
    headers=("If-Match",),
)
def flag_typical(request_id: int, body: TypicalIn) -> s.RequestOut:
    changed = flag_typical_case(
        db(), caller(), request_id, expected_version(body.version), typical=body.typical, note=body.note
    )
    return s.request_out(changed, caller())


S = TypeVar("S", bound="ShareOut")


class MonthQuery(s.Query):
    month: Annotated[str, s.text(20)] = Field(
        "", description="YYYY-MM, a month that has begun; the last full one (Asia/Shanghai) when left out."
    )


class RateOut(s.Output):
    key: str = Field(description="response, on_time, resolution, satisfaction, return, redo or extension.")
    label: str
    value: float | None = Field(description="The rate as a share (0–1); null without requests to count.")
    change: float | None = Field(description="Its change from the month before, as a share; null without both.")
    numerator: int
    denominator: int


class UnitOut(s.Output):
    station_code: str | None = Field(description="null for the network (every station in the caller's scope).")
    rates: list[RateOut]
    received: int
    closed: int
    visited: int
    reminders: int = Field(description="Reminders (催办) sent on the unit's requests received in the month.")
    supervised: int = Field(description="Requests with a supervision order (督办) issued in the month.")


class ShareOut(s.Output):
    count: int
    share: float


class CategoryShare(ShareOut):
    category: Category


class FieldShare(ShareOut):
    product_field: ProductField | None


class ClassShare(ShareOut):
    device_class: DeviceClass | None


class OpenOrderOut(s.Output):
    id: int
    request_id: int | None
    plan_id: int | None
    station_code: str
    status: SupervisionStatus
    tier: SupervisionTier | None = Field(description="null once reported (waiting for the director).")
    deadline: datetime
    issue: str


class TypicalCaseOut(s.Output):
    request_id: int
    reference: str
    title: str
    station_code: str
    category: Category
    result_category: ResultCategory | None
    resolved_at: datetime | None
    note: str | None
    flagged_by: str


class MonthlyReportOut(s.Output):
    month: str
    stations: list[UnitOut]
    network: UnitOut | None = Field(description="When the caller's scope holds more than one station.")
    submitted: int = Field(description="Requests submitted in the month.")
    categories: list[CategoryShare]
    product_fields: list[FieldShare]
    device_classes: list[ClassShare]
    open_orders: list[OpenOrderOut]
    typical_cases: list[TypicalCaseOut]


def _unit(line: UnitLine) -> UnitOut:
    counts = line.now
    return UnitOut(
        station_code=counts.station.code if counts.station else None,
        rates=[
            RateOut(
                key=rate.key,
                label=gettext(rate.label),
                value=counts.rate(rate.key),
                change=line.change(rate.key),
                numerator=counts.count(rate.numerator),
                denominator=counts.count(rate.denominator),
            )
            for rate in RATES
        ],
        received=counts.count("received"),
        closed=counts.count("closed"),
        visited=counts.count("visited"),
        reminders=counts.reminders,
        supervised=counts.count("supervised"),
    )


def _report(query: MonthQuery) -> MonthlyReport:
    now = utcnow()
    month: Period = report_month(query.month, now) if query.month else default_month(now)
    return monthly_report(db(), caller(), month, tier_clock(db(), desk_settings(), now))


def _shares(shares: list[Share], name: str, out: type[S]) -> list[S]:
    return [out(**{name: share.value, "count": share.count, "share": share.share}) for share in shares]


@endpoint(
    "/reports/monthly",
    summary="The monthly report (月报) of a station's head (his station) or the provincial director (every station).",
    description="Each station's rates with their change from the month before, the month's requests by category, "
    "product field and device class, the supervision orders still open and the month's typical cases.",
    tag=TAG,
    query=MonthQuery,
    response=MonthlyReportOut,
)
def monthly(query: MonthQuery) -> MonthlyReportOut:
    report = _report(query)
    parts = report.breakdowns
    return MonthlyReportOut(
        month=str(report.month),
        stations=[_unit(line) for line in report.stations],
        network=_unit(report.network) if report.network is not None else None,
        submitted=parts.submitted,
        categories=_shares(parts.categories, "category", CategoryShare),
        product_fields=_shares(parts.product_fields, "product_field", FieldShare),
        device_classes=_shares(parts.device_classes, "device_class", ClassShare),
        open_orders=[
            OpenOrderOut(
                id=row.order.id,
                request_id=row.order.request_id,
                plan_id=row.order.plan_id,
                station_code=row.order.station.code,
                status=row.order.status,
                tier=row.tier,
                deadline=row.order.deadline,
                issue=row.order.issue,
            )
            for row in report.orders
        ],
        typical_cases=[
            TypicalCaseOut(
                request_id=case.request.id,
                reference=case.request.reference,
                title=case.request.title,
                station_code=case.request.station.code,
                category=case.request.category,
                result_category=case.request.result_category,
                resolved_at=case.request.resolved_at,
                note=case.request.typical_note,
                flagged_by=case.flagged_by,
            )
            for case in report.typical
        ],
    )


@endpoint(
    "/reports/monthly.xlsx",
    summary="The monthly report as an Excel workbook: a sheet per table, in the caller's language (Accept-Language).",
    tag=TAG,
    query=MonthQuery,
    binary=True,
    media_type=XLSX,
)
def monthly_workbook(query: MonthQuery) -> ResponseReturnValue:
    report = _report(query)
    return workbook_response(report_workbook(report), workbook_name(report.month))
