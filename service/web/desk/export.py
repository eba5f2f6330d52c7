"""CSV export of case lists: UTF-8 with a byte-order mark (so Excel reads Chinese), streamed row by row.

``csv_response`` serves any policy-scoped case SELECT; the route here exports
the desk queues with the queue page's own filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select

from service.models import Category, LifecycleStage, Priority, ServiceRequest, Status
from service.models.base import utcnow
from service.queries.export import stream_rows
from service.queries.requests import QueueFilters, build_queue_select, default_sort
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require
from service.web.common.request_pages import horizons_now
from service.web.database import db
from service.web.labels import label

bp = Blueprint("export", __name__, url_prefix="/export")

HEADERS = (
    _l("Reference"),
    _l("Title"),
    _l("Enterprise"),
    _l("Station"),
    _l("Category"),
    _l("Priority"),
    _l("Status"),
    _l("Assignee"),
    _l("Created"),
    _l("First response due"),
    _l("Resolution due"),
    _l("Resolved"),
    _l("Rating"),
)
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FLUSH_EVERY = 500


def _text(value: str | None) -> str:
    value = value or ""
    return "'" + value if value.startswith(FORMULA_START) else value


def _when(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _format(row: Row[Any], english: bool, labels: dict[Enum, str]) -> list[str]:
    def named(value: Enum | None) -> str:
        if value is None:
            return ""
        if value not in labels:
            labels[value] = label(value)
        return labels[value]

    return [
        row.reference,
        _text(row.title),
        _text(row.enterprise),
        row.station_en if english else row.station_zh,
        named(row.category),
        named(row.priority),
        named(row.status),
        _text(row.assignee),
        _when(row.created_at),
        _when(row.first_response_due_at),
        _when(row.resolution_due_at),
        _when(row.resolved_at),
        "" if row.rating is None else str(row.rating),
    ]


def csv_lines(cases: Select[ServiceRequest]) -> Iterator[str]:
    """The BOM and header, then the rows in chunks: memory stays flat however long the list."""
    english = str(get_locale()).startswith("en")
    labels: dict[Enum, str] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in HEADERS])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(stream_rows(db(), cases), start=1):
        writer.writerow(_format(row, english, labels))
        if count % FLUSH_EVERY == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(cases: Select[ServiceRequest], name: str) -> Response:
    filename = f"{name}-{utcnow().astimezone(LOCAL_TZ):%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csv_lines(cases)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"},
    )


def _enum(vocabulary: type[Enum], raw: str | None) -> Any:
    try:
        return vocabulary(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def queue_filters(args: Any) -> QueueFilters:
    """The desk queue page's filters (same names) from a query string; nonsense is ignored, never a 500."""
    queue = args.get("queue", "open")
    return QueueFilters(
        queue=queue,
        status=_enum(Status, args.get("status")),
        category=_enum(Category, args.get("category")),
        priority=_enum(Priority, args.get("priority")),
        lifecycle_stage=_enum(LifecycleStage, args.get("lifecycle_stage")),
        assignee_id=_int(args.get("assignee_id")),
        station_id=_int(args.get("station_id")),
        text=args.get("text", "")[:200],
        sort=args.get("sort") or default_sort(queue),
        **horizons_now(),
    )


@bp.route("/requests.csv")
@require(PolicyAction.DESK_USE)
def requests_csv() -> ResponseReturnValue:
    return csv_response(build_queue_select(db(), actor(), queue_filters(request.args)), "requests")
