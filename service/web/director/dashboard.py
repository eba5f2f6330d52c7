"""What the dashboard page shows: links behind every number, and the charts with their tables.

The numbers come from service.queries.dashboard; this module only turns them
into translated labels, links to the case lists and SVG charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import format_date, gettext
from markupsafe import Markup

from service.infrastructure.charts import TIP, Bar, Series, bar_chart, column_chart
from service.models import Status
from service.queries.dashboard import AGE_BUCKETS, Dashboard, Scope
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import station_name
from service.web.labels import label


def cases_link(
    scope: Scope,
    bucket: str,
    *,
    status: Status | None = None,
    station_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> str:
    """The list of cases behind one number, with the dashboard's own filters carried along.

    Open cases (by status, by station) are the desk queue's own "open" queue, and
    escalated ones the director's escalated page; every other number has its
    bucket on the director's case list, which knows the period and the age buckets.
    """
    station = station_id if station_id is not None else scope.station_id
    if bucket == "open" and policy.may(scope.actor, PolicyAction.DESK_USE):
        return url_for("desk.index", queue="open", status=status.value if status else None, station_id=station)
    if bucket == "escalated" and status is None:
        return url_for("director.escalated", station=station)
    return url_for(
        "director.cases",
        bucket=bucket,
        status=status.value if status else None,
        station=station,
        date_from=(date_from or scope.date_from).isoformat(),
        date_to=(date_to or scope.date_to).isoformat(),
    )


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class ChartView:
    """A chart and the same numbers as a table, for screen readers and for reading exact values."""

    id: str
    title: str
    svg: Markup
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    wide: bool = False


def age_label(low: int, high: int | None) -> str:
    if high is None:
        return gettext("Over %(days)s days", days=low - 1)
    return gettext("%(low)s–%(high)s days", low=low, high=high)


def _bars_view(chart_id: str, title: str, description: str, bars: list[Bar]) -> ChartView:
    return ChartView(
        chart_id,
        title,
        bar_chart(chart_id, title, bars, description, tip=gettext(TIP)),
        [gettext("Open cases")],
        [(b.label, [Cell(b.text, b.href)]) for b in bars],
    )


def charts(board: Dashboard) -> list[ChartView]:
    scope = board.scope
    views = [
        _bars_view(
            "chart-status",
            gettext("Open cases by status"),
            gettext("Number of open cases in each status."),
            [Bar(label(s), n, cases_link(scope, "open", status=s)) for s, n in board.by_status.items()],
        ),
        _bars_view(
            "chart-age",
            gettext("Open cases by age"),
            gettext("Open cases grouped by days since they were submitted."),
            [Bar(age_label(low, high), board.totals[name], cases_link(scope, name)) for name, low, high in AGE_BUCKETS],
        ),
    ]
    if len(board.by_station) > 1:
        views.append(
            _bars_view(
                "chart-station",
                gettext("Open cases by station"),
                gettext("Number of open cases at each station."),
                [
                    Bar(station_name(s), counts["open"], cases_link(scope, "open", station_id=s.id))
                    for s, counts in board.by_station
                ],
            )
        )
    views.append(_weekly_view(board))
    return views


def _weekly_view(board: Dashboard) -> ChartView:
    scope = board.scope
    opened_name, resolved_name = gettext("Requests submitted"), gettext("Requests resolved")
    weeks = board.weeks
    opened_links = [cases_link(scope, "opened", date_from=w.start, date_to=w.end) for w in weeks]
    resolved_links = [cases_link(scope, "resolved", date_from=w.start, date_to=w.end) for w in weeks]
    title = gettext("Requests opened and resolved per week")
    svg = column_chart(
        "chart-weekly",
        title,
        [format_date(w.start, "M/d") for w in weeks],
        [
            Series(opened_name, board.opened_per_week, opened_links, "s1"),
            Series(resolved_name, board.resolved_per_week, resolved_links, "s2"),
        ],
        gettext(
            "Requests opened and resolved in each of the last %(count)s weeks, by the Monday starting the week.",
            count=len(weeks),
        ),
        tip=gettext(TIP),
    )
    rows = [
        (
            gettext("Week of %(day)s", day=format_date(w.start, "yyyy-MM-dd")),
            [
                Cell(str(board.opened_per_week[i]), opened_links[i]),
                Cell(str(board.resolved_per_week[i]), resolved_links[i]),
            ],
        )
        for i, w in enumerate(weeks)
    ]
    return ChartView("chart-weekly", title, svg, [opened_name, resolved_name], rows, wide=True)
