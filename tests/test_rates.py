"""The rates (三率 and more): periods, each bucket's meaning on hand-made cases, the scope of each reader, the
ranking's order and badges, and the drill-down list that must match its number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound, ValidationError
from service.queries import rates
from service.queries.rates import BUCKETS, Period, PeriodKind, Unit, UnitRates
from tests.director_support import november_cases, station_id
from tests.factories import People


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2026-11", PeriodKind.MONTH, "2026-11-01", "2026-11-30"),
        ("2026-2", PeriodKind.MONTH, "2026-02-01", "2026-02-28"),
        ("2026-Q4", PeriodKind.QUARTER, "2026-10-01", "2026-12-31"),
        ("2024-q1", PeriodKind.QUARTER, "2024-01-01", "2024-03-31"),
        (" 2026 ", PeriodKind.YEAR, "2026-01-01", "2026-12-31"),
    ],
)
def test_a_period_is_parsed_from_its_text_and_reads_back_the_same(text: str, kind: PeriodKind, first: str, last: str):
    period = Period.parse(text)
    assert period.kind == kind
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == (first, last)
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-0", "2026-Q5", "26-11", "2026/11", "1999", "next month", "2026-11-01"]
)
def test_anything_else_is_refused_with_what_to_write(text: str):
    with pytest.raises(ValidationError) as refused:
        Period.parse(text)
    assert "2026-Q4" in refused.value.fields["period"]


def test_a_period_starts_at_midnight_in_shanghai_and_knows_the_one_before():
    november = Period.parse("2026-11")
    assert november.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert november.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert str(Period.parse("2026").previous()) == "2025"
    # 23:30 on 31 October in UTC is already November in Shanghai.
    assert str(Period.containing(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))) == "2026-11"
    assert str(Period.containing(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), PeriodKind.QUARTER)) == "2026-Q4"


def test_each_bucket_counts_what_its_definition_says(session: Session, people: People):
    november_cases(session, people)
    november = Period.parse("2026-11")
    by_station = {row.unit.station_id: row for row in rates.station_rates(session, people.hub_director, november)}
    ccnd = by_station[station_id(session, "JL-CCND")]
    assert {name: ccnd.count(name) for name in BUCKETS} == {
        "received": 4,
        "responded": 3,
        "dispatched": 3,
        "returned": 1,
        "reminded": 2,
        "closed": 3,
        "closed_on_time": 2,
        "solved": 2,
        "redone": 1,
        "extended": 1,
        "visited": 2,
        "satisfied": 1,
        "supervised": 0,
    }
    assert ccnd.reminders == 4
    assert ccnd.rate("response") == 3 / 4
    assert ccnd.rate("on_time") == 2 / 3
    assert ccnd.rate("satisfaction") == 1 / 2
    assert ccnd.rate("return") == 1 / 3
    tonghua = by_station[station_id(session, "JL-TH")]
    assert (tonghua.count("received"), tonghua.count("responded"), tonghua.rate("on_time")) == (1, 0, None)
    network = rates.network_of(list(by_station.values()))
    assert (network.count("received"), network.count("dispatched"), network.count("closed")) == (5, 4, 3)
    assert rates.network_rates(session, people.hub_director, november) == network
    october = {
        row.unit.station_id: row for row in rates.station_rates(session, people.hub_director, november.previous())
    }
    assert october[ccnd.unit.station_id].count("received") == 1
    assert october[ccnd.unit.station_id].count("closed") == 0


def test_a_station_head_sees_his_station_and_its_officers_only(session: Session, people: People):
    november_cases(session, people)
    november = Period.parse("2026-11")
    ccnd, tonghua = station_id(session, "JL-CCND"), station_id(session, "JL-TH")
    mine = rates.station_rates(session, people.director, november)
    assert [row.unit.station_id for row in mine] == [ccnd]
    assert rates.network_rates(session, people.director, november).count("received") == 4
    officers = {row.officer_name: row for row in rates.officer_rates(session, people.director, november, ccnd)}
    assert officers[people.staff.name].count("received") == 2
    assert officers[people.staff2.name].count("responded") == 1
    assert officers[people.director.name].count("received") == 0  # a member of the desk with nothing yet
    unassigned = [row for row in officers.values() if row.unit.officer_id is None]
    assert [row.count("received") for row in unassigned] == [1]
    assert sum(row.count("received") for row in officers.values()) == 4
    with pytest.raises(NotFound):
        rates.officer_rates(session, people.director, november, tonghua)
    with pytest.raises(Forbidden):
        rates.station_rates(session, people.staff, november)
    with pytest.raises(Forbidden):
        rates.officer_rates(session, people.staff, november, ccnd)


def test_every_number_has_the_very_list_behind_it(session: Session, people: People):
    november_cases(session, people)
    november = Period.parse("2026-11")
    ccnd = station_id(session, "JL-CCND")
    units = [rates.network_of(rates.station_rates(session, people.hub_director, november))]
    units += rates.station_rates(session, people.hub_director, november)
    units += rates.officer_rates(session, people.hub_director, november, ccnd)
    for row in units:
        for name in BUCKETS:
            listed = session.scalars(rates.requests_behind(people.hub_director, november, row.unit, name)).all()
            assert len(listed) == row.count(name), (row.unit, name)
    # The head's list of the network is his station's, whatever the address asks for.
    everything = rates.requests_behind(people.director, november, Unit.network(), "received")
    assert {r.station_id for r in session.scalars(everything)} == {ccnd}


def _unit(n: int, closed: int, on_time: int) -> UnitRates:
    return UnitRates(Unit.station(n), {"closed": closed, "closed_on_time": on_time, "dispatched": closed})


def test_the_ranking_puts_the_best_first_marks_the_bottom_few_and_leaves_units_without_figures_last():
    rows = [
        _unit(1, 10, 9),
        _unit(2, 10, 5),
        _unit(3, 0, 0),
        _unit(4, 20, 18),
        _unit(5, 4, 1),
        _unit(6, 8, 4),
        _unit(7, 5, 5),
    ]
    ranked = rates.rank(rows, "on_time")
    assert [(r.rates.unit.station_id, r.place) for r in ranked] == [
        (7, 1),
        (4, 2),
        (1, 2),
        (2, 4),
        (6, 4),
        (5, 6),
        (3, None),
    ]
    assert [r.rates.unit.station_id for r in ranked if r.best] == [7]
    # A third of six ranked units: the last two places (here three units, two of them tied).
    assert [r.rates.unit.station_id for r in ranked if r.bottom] == [2, 6, 5]


def test_a_rate_where_lower_is_better_ranks_the_lowest_first():
    rows = [
        UnitRates(Unit.station(n), {"dispatched": 10, "returned": returned}) for n, returned in ((1, 4), (2, 0), (3, 1))
    ]
    assert [r.rates.unit.station_id for r in rates.rank(rows, "return")] == [2, 3, 1]
