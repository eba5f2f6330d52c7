"""What the ranking pages (三率排名) show: each rate and count as text with the list behind it, the places and
badges, the formulas, the period's name and the periods around it.

The figures come from service.queries.rates; this module only words them and links them, so the templates
only draw what it decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import format_date, format_percent, gettext, ngettext, pgettext

from service.queries import rates
from service.queries.rates import BUCKETS, COUNTS, RATES, Period, PeriodKind, Unit, UnitKind, UnitRates
from service.store.reference import StationInfo
from service.web.common.helpers import station_name


def period_name(period: Period) -> str:
    """2026年11月 / November 2026, 2026年第四季度 / Q4 2026, 2026年 / 2026."""
    if period.kind == PeriodKind.MONTH:
        return str(format_date(period.first_day, pgettext("date pattern", "MMMM y")))
    if period.kind == PeriodKind.QUARTER:
        return gettext("Q%(quarter)s %(year)s", quarter=period.number, year=period.year)
    return gettext("Year %(year)s", year=period.year)


def percent(share: float | None) -> str:
    return "—" if share is None else str(format_percent(share, "#,##0.0%"))


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    current: bool = False
    # Said under the number (the reminders sent, beside the requests reminded).
    note: str = ""


@dataclass(frozen=True)
class RateColumn:
    key: str
    label: str
    formula: str
    # Ranks the table by this rate.
    href: str
    ranked_by: bool
    # The buckets it divides, and what each counts (for the legend).
    numerator: str
    denominator: str
    counted: str
    divided_by: str
    lower_is_better: bool


@dataclass(frozen=True)
class CountColumn:
    bucket: str
    label: str
    description: str


@dataclass(frozen=True)
class RateCell:
    text: str
    numerator: Link
    denominator: Link
    # False when there is nothing to divide by: the rate reads "—" and links nowhere.
    shown: bool


@dataclass(frozen=True)
class Row:
    name: str
    # The unit's own ranking (a station's officers), when there is one to open.
    href: str | None
    place: int | None
    best: bool
    bottom: bool
    rates: list[RateCell]
    counts: list[Link]


@dataclass(frozen=True)
class RankingPage:
    title: str
    heading: str
    period: Period
    period_text: str
    period_label: str
    rank_by: RateColumn
    rate_columns: list[RateColumn]
    count_columns: list[CountColumn]
    ranked: list[Row]
    # Units shown but not ranked (the provincial station, a station's unassigned requests).
    unranked: list[Row]
    total: Row
    total_label: str
    shortcuts: list[Link]
    previous: Link
    following: Link | None
    # Officers' tables leave out the rates that are a station's (the return rate).
    left_out: list[str]
    # The page's own address without its period and ranking (the form's action).
    action: str


def _list_url(period: Period, unit: Unit, bucket: str) -> str:
    officer = None if unit.kind != UnitKind.OFFICER else unit.officer_id or "none"
    return url_for("rates.requests", period=str(period), bucket=bucket, station=unit.station_id, officer=officer)


def _row(
    unit_rates: UnitRates,
    name: str,
    columns: Sequence[RateColumn],
    period: Period,
    *,
    href: str | None = None,
    ranked: rates.Ranked | None = None,
) -> Row:
    unit = unit_rates.unit

    def count(bucket: str) -> Link:
        return Link(str(unit_rates.count(bucket)), _list_url(period, unit, bucket))

    def counted(bucket: str) -> Link:
        if bucket != "reminded":
            return count(bucket)
        note = ngettext("%(num)d reminder", "%(num)d reminders", unit_rates.reminders)
        return replace(count(bucket), note=note)

    return Row(
        name=name,
        href=href,
        place=ranked.place if ranked else None,
        best=ranked.best if ranked else False,
        bottom=ranked.bottom if ranked else False,
        rates=[
            RateCell(percent(share), count(c.numerator), count(c.denominator), share is not None)
            for c in columns
            for share in (unit_rates.rate(c.key),)
        ],
        counts=[counted(bucket) for bucket in COUNTS],
    )


def _columns(period: Period, key: str, endpoint: str, per_officer: bool, **values: Any) -> list[RateColumn]:
    return [
        RateColumn(
            r.key,
            gettext(r.label),
            gettext(r.formula),
            url_for(endpoint, period=str(period), by=r.key, **values),
            r.key == key,
            r.numerator,
            r.denominator,
            gettext(BUCKETS[r.numerator].description),
            gettext(BUCKETS[r.denominator].description),
            not r.higher_is_better,
        )
        for r in RATES
        if r.per_officer or not per_officer
    ]


def _periods(
    period: Period, now: datetime, endpoint: str, key: str, **values: Any
) -> tuple[list[Link], Link, Link | None]:
    def link(text: str, chosen: Period) -> Link:
        return Link(text, url_for(endpoint, period=str(chosen), by=key, **values), chosen == period)

    month, quarter, year = (Period.containing(now, kind) for kind in PeriodKind)
    shortcuts = [
        link(gettext("This month"), month),
        link(gettext("Last month"), month.previous()),
        link(gettext("This quarter"), quarter),
        link(gettext("Last quarter"), quarter.previous()),
        link(gettext("This year"), year),
        link(gettext("Last year"), year.previous()),
    ]
    following = period.next()
    after = link(period_name(following), following) if following.start <= now else None
    return shortcuts, link(period_name(period.previous()), period.previous()), after


def _page(
    *,
    title: str,
    heading: str,
    period: Period,
    key: str,
    now: datetime,
    endpoint: str,
    columns: list[RateColumn],
    ranked: list[Row],
    unranked: list[Row],
    total: Row,
    total_label: str,
    **values: Any,
) -> RankingPage:
    shortcuts, previous, following = _periods(period, now, endpoint, key, **values)
    return RankingPage(
        title=title,
        heading=heading,
        period=period,
        period_text=str(period),
        period_label=period_name(period),
        rank_by=next(c for c in columns if c.ranked_by),
        rate_columns=columns,
        count_columns=[CountColumn(b, gettext(BUCKETS[b].label), gettext(BUCKETS[b].description)) for b in COUNTS],
        ranked=ranked,
        unranked=unranked,
        total=total,
        total_label=total_label,
        shortcuts=shortcuts,
        previous=previous,
        following=following,
        left_out=[gettext(r.label) for r in RATES if not any(c.key == r.key for c in columns)],
        action=url_for(endpoint, **values),
    )


def present_stations(rows: list[UnitRates], period: Period, key: str, now: datetime) -> RankingPage:
    """The sub-stations ranked by ``key``; the provincial station listed after them, unranked; the network's row."""
    columns = _columns(period, key, "rates.ranking", per_officer=False)

    def row(unit_rates: UnitRates, ranked: rates.Ranked | None = None) -> Row:
        station = unit_rates.station
        assert station is not None  # a station's row
        href = url_for("rates.station", station_id=station.id, period=str(period), by=key)
        return _row(unit_rates, station_name(station), columns, period, href=href, ranked=ranked)

    subs = [r for r in rows if r.station is not None and not r.station.is_hub]
    return _page(
        title=gettext("Rates and ranking"),
        heading=gettext("Sub-stations"),
        period=period,
        key=key,
        now=now,
        endpoint="rates.ranking",
        columns=columns,
        ranked=[row(place.rates, place) for place in rates.rank(subs, key)],
        unranked=[row(r) for r in rows if r not in subs],
        total=_row(rates.network_of(rows), gettext("Whole network"), columns, period),
        total_label=gettext("Whole network"),
    )


def present_officers(
    rows: list[UnitRates], station: StationInfo, period: Period, key: str, now: datetime
) -> RankingPage:
    """A station's officers ranked by ``key`` (a station's own rates left out); its unassigned requests after
    them, unranked; the station's row."""
    rate_key = key if rates.RATE_BY_KEY[key].per_officer else rates.DEFAULT_RANKING
    columns = _columns(period, rate_key, "rates.station", per_officer=True, station_id=station.id)
    held = [r for r in rows if r.unit.officer_id is not None]
    return _page(
        title=gettext("Rates and ranking"),
        heading=gettext("Officers of %(station)s", station=station_name(station)),
        period=period,
        key=rate_key,
        now=now,
        endpoint="rates.station",
        columns=columns,
        ranked=[
            _row(p.rates, p.rates.officer_name or "—", columns, period, ranked=p) for p in rates.rank(held, rate_key)
        ],
        unranked=[_row(r, gettext("Not assigned"), columns, period) for r in rows if r.unit.officer_id is None],
        total=_row(rates.network_of(rows, Unit.station(station.id)), station_name(station), columns, period),
        total_label=gettext("Whole station"),
        station_id=station.id,
    )


@dataclass(frozen=True)
class RateTile:
    label: str
    formula: str
    value: str
    # The ranking by this rate.
    href: str
    numerator: Link
    denominator: Link


def rate_tiles(unit_rates: UnitRates, period: Period) -> list[RateTile]:
    """A unit's rates of ``period`` as the dashboard shows them: each links to the ranking by it, its parts to
    their lists."""
    unit = unit_rates.unit
    return [
        RateTile(
            gettext(r.label),
            gettext(r.formula),
            percent(unit_rates.rate(r.key)),
            url_for("rates.ranking", period=str(period), by=r.key),
            Link(str(unit_rates.count(r.numerator)), _list_url(period, unit, r.numerator)),
            Link(str(unit_rates.count(r.denominator)), _list_url(period, unit, r.denominator)),
        )
        for r in RATES
    ]
