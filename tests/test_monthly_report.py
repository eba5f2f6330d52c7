"""The monthly report's figures (service/queries/monthly_report.py): the month asked for, the month's requests by
category, product field and device class, the open supervision orders, the typical cases and each station's rates
beside the month before's, in the reader's scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from service.errors import Forbidden, ValidationError
from service.models import Category, DeviceClass, ProductField, SupervisionTier
from service.queries.monthly_report import (
    BAD_MONTH,
    FUTURE_MONTH,
    breakdowns,
    default_month,
    monthly_report,
    open_orders,
    report_month,
    typical_cases,
)
from service.queries.rates import Period, PeriodKind
from service.queries.supervision_orders import tier_clock
from service.store.settings import DeskSettings
from tests.factories import People
from tests.report_helpers import OTHER_NOTE, TYPICAL_NOTE, day_of, month_of_cases

MARCH = Period(2026, PeriodKind.MONTH, 3)
# 00:30 on 1 April in Shanghai is still 31 March in UTC: the report goes by Shanghai's calendar.
APRIL_FIRST_SHANGHAI = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)


def test_the_default_month_is_the_last_full_one_in_shanghai() -> None:
    assert default_month(APRIL_FIRST_SHANGHAI) == MARCH
    assert default_month(datetime(2026, 1, 15, tzinfo=UTC)) == Period(2025, PeriodKind.MONTH, 12)
    assert (MARCH.start.isoformat(), MARCH.end.isoformat()) == (
        "2026-03-01T00:00:00+08:00",
        "2026-04-01T00:00:00+08:00",
    )


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "march", "2026-Q1", "2026", "", "26-03", "2026-03-01"])
def test_anything_but_a_month_is_refused_with_the_reason(raw: str) -> None:
    with pytest.raises(ValidationError) as refused:
        report_month(raw, APRIL_FIRST_SHANGHAI)
    assert refused.value.message == BAD_MONTH and refused.value.fields == {"month": BAD_MONTH}


def test_a_month_that_has_not_begun_is_refused_and_this_month_is_taken() -> None:
    with pytest.raises(ValidationError) as refused:
        report_month("2026-05", APRIL_FIRST_SHANGHAI)
    assert refused.value.message == FUTURE_MONTH and refused.value.params == {"month": "2026-05"}
    assert report_month(" 2026-04 ", APRIL_FIRST_SHANGHAI) == Period(2026, PeriodKind.MONTH, 4)
    assert report_month("2024-02", APRIL_FIRST_SHANGHAI) == Period(2024, PeriodKind.MONTH, 2)
    # Typed with a Chinese input method's full-width digits.
    assert report_month("２０２６-03", APRIL_FIRST_SHANGHAI) == MARCH


def test_the_months_requests_by_category_field_and_class_in_the_readers_scope(
    session: Session, people: People, settings: DeskSettings
) -> None:
    month_of_cases(session, people, settings, MARCH)
    head = breakdowns(session, people.director, MARCH)
    assert head.submitted == 3
    assert [(s.value, s.count, round(s.share, 3)) for s in head.categories] == [
        (Category.REGISTRATION_DOSSIER, 2, 0.667),
        (Category.CLINICAL_EVALUATION, 1, 0.333),
    ]
    assert [(s.value, s.count) for s in head.product_fields] == [(ProductField.F21, 2), (ProductField.IVD_REAGENT, 1)]
    assert [(s.value, s.count) for s in head.device_classes] == [(DeviceClass.III, 2), (DeviceClass.II, 1)]
    province = breakdowns(session, people.hub_director, MARCH)
    assert province.submitted == 4
    # Equal counts keep the vocabulary's order; "not given" comes last among its equals.
    assert [(s.value, s.count) for s in province.categories] == [
        (Category.REGISTRATION_DOSSIER, 2),
        (Category.CLINICAL_EVALUATION, 1),
        (Category.POLICY, 1),
    ]
    assert [(s.value, s.count) for s in province.product_fields][-1] == (None, 1)
    with pytest.raises(Forbidden):
        breakdowns(session, people.staff, MARCH)


def test_typical_cases_are_the_flagged_results_of_the_month_in_scope(
    session: Session, people: People, settings: DeskSettings
) -> None:
    cases = month_of_cases(session, people, settings, MARCH)
    mine = typical_cases(session, people.director, MARCH)
    assert [(c.request.id, c.request.typical_note, c.flagged_by) for c in mine] == [
        (cases.typical.id, TYPICAL_NOTE, people.director.name)
    ]
    province = typical_cases(session, people.hub_director, MARCH)
    assert [c.request.typical_note for c in province] == [OTHER_NOTE, TYPICAL_NOTE]  # by the time of their result
    assert typical_cases(session, people.hub_director, MARCH.previous()) == []
    assert typical_cases(session, people.hub_director, MARCH.next()) == []


def test_open_orders_issued_by_the_months_end_with_their_tier(
    session: Session, people: People, settings: DeskSettings, app_settings: DeskSettings
) -> None:
    cases = month_of_cases(session, people, settings, MARCH)
    clock = tier_clock(session, app_settings, day_of(MARCH, 31, 18))
    found, total = open_orders(session, people.director, MARCH, clock)
    assert [(row.order.id, row.tier) for row in found] == [(cases.order.id, SupervisionTier.RED)] and total == 1
    # Not yet issued at the end of the month before; outside the other head's station.
    assert open_orders(session, people.director, MARCH.previous(), clock) == ([], 0)
    assert open_orders(session, people.other_director, MARCH, clock) == ([], 0)
    on_time = tier_clock(session, app_settings, day_of(MARCH, 12))
    assert open_orders(session, people.hub_director, MARCH, on_time)[0][0].tier == SupervisionTier.ON_SCHEDULE
    # The page's first orders only, and how many there are in all.
    assert open_orders(session, people.hub_director, MARCH, clock, limit=0) == ([], 1)


def test_each_station_beside_the_month_before_and_the_network_for_the_province(
    session: Session, people: People, settings: DeskSettings, app_settings: DeskSettings
) -> None:
    month_of_cases(session, people, settings, MARCH)
    clock = tier_clock(session, app_settings, day_of(MARCH, 31, 18))
    head = monthly_report(session, people.director, MARCH, clock)
    assert [line.now.station.code for line in head.stations if line.now.station] == ["JL-CCND"]
    assert head.network is None
    (ccnd,) = head.stations
    assert (ccnd.now.count("received"), ccnd.before.count("received")) == (3, 1)
    assert ccnd.now.count("closed") == 2 and ccnd.now.rate("resolution") == 1.0
    # Nothing was closed the month before: no rate, so no change either.
    assert ccnd.before.rate("resolution") is None and ccnd.change("resolution") is None
    assert ccnd.change("response") == pytest.approx(ccnd.now.rate("response") - ccnd.before.rate("response"))
    assert ccnd.now.count("supervised") == 1
    assert [c.request.typical_note for c in head.typical] == [TYPICAL_NOTE] and len(head.orders) == 1

    province = monthly_report(session, people.hub_director, MARCH, clock)
    assert len(province.stations) > 1 and province.network is not None
    assert province.network.now.count("received") == 4
    assert province.breakdowns.submitted == 4 and len(province.typical) == 2
    with pytest.raises(Forbidden):
        monthly_report(session, people.admin, MARCH, clock)
