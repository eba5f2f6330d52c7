"""The dashboard page's presenter: every number with the link behind it, the charts, what the reader may follow.

``present_dashboard`` is built from the dashboard's figures (service.queries.dashboard) and the policy; the
template only draws it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext

from service.models import SupervisionTier, User
from service.queries.dashboard import BUCKETS, Dashboard, Scope
from service.queries.rates import Period, UnitRates
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import station_name
from service.web.director.dashboard import Cell, ChartView, cases_link, charts
from service.web.director.rates_presenter import RateTile, period_name, rate_tiles
from service.web.forms.director import DashboardFilterForm
from service.web.labels import label

# The station table's columns: the buckets counted per station.
STATION_COLUMNS = ("open", "overdue_response", "overdue_resolution", "escalated", "age_over_90")


@dataclass(frozen=True)
class StationRow:
    name: str
    # The dashboard narrowed to the station.
    href: str
    cells: list[Cell]


@dataclass(frozen=True)
class TierTile:
    tier: str
    text: str
    count: int
    url: str | None


@dataclass(frozen=True)
class DashboardPage:
    board: Dashboard
    scope: Scope
    # Whose cases the page counts: the station chosen, all stations, or the reader's own.
    heading: str
    form: DashboardFilterForm
    # The reader chooses among stations (the hub's), so the form offers the choice.
    choose_station: bool
    # The case list behind each bucket's number.
    links: dict[str, str]
    instructions_url: str
    # The plan lists behind the plan figures, for readers who may open them (None: the figure is not a link).
    plans_awaiting_url: str | None
    overdue_milestones_url: str | None
    charts: list[ChartView]
    # One row per station when the scope spans several.
    stations: list[StationRow]
    export_url: str
    # Supervision orders waiting for their unit's report, per tier (the tile links to the filtered list).
    supervision: list[TierTile]
    # This month's rates of the scope (the network, or the station), and the ranking page.
    month: str
    rates: list[RateTile]
    ranking_url: str


def present_dashboard(
    board: Dashboard,
    user: User,
    form: DashboardFilterForm,
    export_url: str,
    tiers: Mapping[SupervisionTier, int],
    month_rates: UnitRates,
    month: Period,
) -> DashboardPage:
    scope = board.scope
    choose_station = policy.sees_every_station(user)
    if scope.station_id:
        heading = station_name(board.stations[0])
    else:
        heading = gettext("All stations") if choose_station else station_name(user.station)
    may_see_plans = policy.may(user, PolicyAction.DESK_USE)
    rows = (
        [
            StationRow(
                station_name(station),
                url_for(
                    "director.dashboard_page",
                    station=station.id,
                    date_from=scope.date_from.isoformat(),
                    date_to=scope.date_to.isoformat(),
                ),
                [
                    Cell(str(counts[bucket]), cases_link(scope, bucket, station_id=station.id))
                    for bucket in STATION_COLUMNS
                ],
            )
            for station, counts in board.by_station
        ]
        if len(board.by_station) > 1
        else []
    )
    return DashboardPage(
        board=board,
        scope=scope,
        heading=heading,
        form=form,
        choose_station=choose_station,
        links={bucket: cases_link(scope, bucket) for bucket in BUCKETS},
        instructions_url=url_for("instructions.index", station=scope.station_id)
        if scope.station_id
        else url_for("instructions.index"),
        plans_awaiting_url=url_for("plans.awaiting") if may_see_plans else None,
        overdue_milestones_url=url_for("plans.overdue") if may_see_plans else None,
        charts=charts(board),
        stations=rows,
        export_url=export_url,
        supervision=[
            TierTile(
                tier.value,
                str(label(tier)),
                count,
                url_for("supervision.index", tier=tier.value, station_id=scope.station_id or None)
                if may_see_plans
                else None,
            )
            for tier, count in tiers.items()
            if tier != SupervisionTier.ON_SCHEDULE
        ],
        month=period_name(month),
        rates=rate_tiles(month_rates, month),
        ranking_url=url_for("rates.ranking", period=str(month)),
    )
