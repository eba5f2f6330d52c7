"""The rates and their ranking (三率排名): sub-stations ranked by a rate over a month, a quarter or a year, a
station's officers, and the list of requests behind every number.

A station's head sees his station's officers; the provincial director (and an administrator) the sub-stations
first. The figures and their definitions are service.queries.rates'; rates_presenter words and links them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import func, select

from service.errors import NotFound, ValidationError
from service.models import User
from service.models.base import utcnow
from service.queries import rates
from service.queries.rates import BUCKETS, DEFAULT_RANKING, RATE_BY_KEY, Period, Unit
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require, station_name
from service.web.database import db
from service.web.director.rates_presenter import RankingPage, period_name, present_officers, present_stations
from service.web.director.views import keyset_page
from service.web.labels import domain_message

bp = Blueprint("rates", __name__, url_prefix="/director/rates")


def _period() -> Period:
    """The period asked for (this month by default). Raises ValidationError for anything unreadable."""
    typed = request.args.get("period", "")
    return Period.parse(typed) if typed.strip() else Period.containing(utcnow())


def _rank_key() -> str:
    key = request.args.get("by", "")
    return key if key in RATE_BY_KEY else DEFAULT_RANKING


def _refused(error: ValidationError, action: str) -> ResponseReturnValue:
    """The ranking's form with the reason and what was typed, and nothing else: the figures need a period."""
    typed = request.args.get("period", "")
    return render_template(
        "director/rates.html", page=None, error=domain_message(error), typed=typed, action=action
    ), 400


def _render(page: RankingPage) -> ResponseReturnValue:
    return render_template("director/rates.html", page=page, error=None, typed=page.period_text, action=page.action)


@bp.route("/")
@require(PolicyAction.RATES_VIEW)
def ranking() -> ResponseReturnValue:
    """The sub-stations ranked; a station's head goes straight to his officers."""
    try:
        period = _period()
    except ValidationError as error:
        return _refused(error, url_for("rates.ranking"))
    user = actor()
    if not policy.sees_every_station(user) and user.station_id is not None:
        return _officers(user.station_id, period)
    rows = rates.station_rates(db(), user, period)
    return _render(present_stations(rows, period, _rank_key(), utcnow()))


@bp.route("/stations/<int:station_id>")
@require(PolicyAction.RATES_VIEW)
def station(station_id: int) -> ResponseReturnValue:
    """One station's officers ranked. A station outside the reader's scope answers 404."""
    try:
        period = _period()
    except ValidationError as error:
        return _refused(error, url_for("rates.station", station_id=station_id))
    return _officers(station_id, period)


def _officers(station_id: int, period: Period) -> ResponseReturnValue:
    found = {s.id: s for s in rates.stations_in_scope(db(), actor())}
    if station_id not in found:
        raise NotFound()
    rows = rates.officer_rates(db(), actor(), period, station_id)
    return _render(present_officers(rows, found[station_id], period, _rank_key(), utcnow()))


def _unit() -> tuple[Unit, str]:
    """The unit the list is of (?station=, ?officer= an id or "none"), in the reader's scope, and its name."""
    args = request.args
    raw_station, raw_officer = args.get("station", ""), args.get("officer", "")
    if not raw_station:
        if raw_officer:
            raise NotFound()
        return Unit.network(), gettext("Whole network")
    stations = {str(s.id): s for s in rates.stations_in_scope(db(), actor())}
    if raw_station not in stations:
        raise NotFound()
    found = stations[raw_station]
    if not raw_officer:
        return Unit.station(found.id), station_name(found)
    if raw_officer == "none":
        return Unit.officer(found.id, None), f"{station_name(found)} · {gettext('Not assigned')}"
    person = db().get(User, int(raw_officer)) if raw_officer.isdigit() and len(raw_officer) < 10 else None
    if person is None:
        raise NotFound()
    return Unit.officer(found.id, person.id), f"{station_name(found)} · {person.name}"


@bp.route("/requests")
@require(PolicyAction.RATES_VIEW)
def requests() -> ResponseReturnValue:
    """The requests behind one number of the ranking, newest first, a page at a time."""
    try:
        period = _period()
    except ValidationError as error:
        return _refused(error, url_for("rates.ranking"))
    bucket = request.args.get("bucket", "")
    if bucket not in BUCKETS:
        raise NotFound()
    unit, unit_name = _unit()
    query = rates.requests_behind(actor(), period, unit, bucket)
    total = db().scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items, next_url, params, first_page = keyset_page(query, "rates.requests")
    back: dict[str, Any] = {"period": str(period)}  # url_for's keywords
    return render_template(
        "director/rates_cases.html",
        items=items,
        total=total,
        bucket=BUCKETS[bucket],
        unit_name=unit_name,
        period_label=period_name(period),
        formulas=[r for r in rates.RATES if bucket in (r.numerator, r.denominator)],
        next_url=next_url,
        first_page=first_page,
        first_url=url_for("rates.requests", **params),
        ranking_url=url_for("rates.station", station_id=unit.station_id, **back)
        if unit.station_id is not None
        else url_for("rates.ranking", **back),
    )
