"""The director's dashboard against a fixture whose every number was worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from service.errors import Forbidden
from service.models import (
    HotlineSession,
    HotlineStatus,
    Instruction,
    Role,
    ServiceRequest,
    Status,
    User,
)
from service.queries import dashboard
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import service_times
from tests import factories
from tests.director_support import case, station_id
from tests.factories import People
from tests.suite import suite_settings

# Wednesday 2026-03-18, 12:00 in Shanghai.
NOW = datetime(2026, 3, 18, 4, 0, tzinfo=UTC)
FROM, TO = date(2026, 1, 1), date(2026, 3, 18)


def local(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h - 8, 0, tzinfo=UTC)


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


@dataclass
class Fixture:
    people: People
    cases: dict[str, ServiceRequest]
    other: dict[str, ServiceRequest]


@pytest.fixture()
def calendar(session: Session) -> WorkingCalendar:
    return service_times(session, suite_settings().desk).calendar


@pytest.fixture()
def board_data(session: Session, people: People) -> Fixture:
    ent, owner, staff = people.enterprise, people.owner, people.staff
    c = {
        # Open, 2 days old, no first response and past its due time.
        "A": case(session, ent, owner, created_at=ago(2), status=Status.SUBMITTED, first_response_due_at=ago(0, 1)),
        # Open, 10 days old (a Sunday), answered on time, past its resolution due time, escalated.
        "B": case(
            session,
            ent,
            owner,
            created_at=ago(10),
            assignee=staff,
            first_responded_at=ago(9),
            first_response_due_at=ago(9) + timedelta(hours=1),
            resolution_due_at=ago(1),
            escalated=True,
            escalation_reason="久拖未决",
            escalated_at=ago(1),
        ),
        # Open, 40 days old, answered late, resolution still ahead.
        "C": case(
            session,
            ent,
            owner,
            created_at=ago(40),
            status=Status.GUIDANCE,
            assignee=staff,
            first_responded_at=ago(38),
            first_response_due_at=ago(39),
            resolution_due_at=ago(-5),
        ),
        # Open but waiting for the enterprise (its clock is paused): 100 days old, submitted before the period.
        "D": case(
            session,
            ent,
            owner,
            created_at=ago(100),
            status=Status.WAITING_ENTERPRISE,
            first_responded_at=ago(99),
            first_response_due_at=ago(99),
            resolution_due_at=ago(50),
        ),
        # Resolved Mon 2 March -> Wed 4 March: 2 working days; answered on time; not rated.
        "E": case(
            session,
            ent,
            owner,
            created_at=local(2026, 3, 2, 10),
            status=Status.RESOLVED,
            first_responded_at=local(2026, 3, 2, 11),
            first_response_due_at=local(2026, 3, 2, 17),
            resolved_at=local(2026, 3, 4, 10),
        ),
        # Closed, Mon 2 Feb -> Mon 9 Feb: 5 working days; answered late; rated 4.
        "F": case(
            session,
            ent,
            owner,
            created_at=local(2026, 2, 2),
            status=Status.CLOSED,
            first_responded_at=local(2026, 2, 2, 10),
            first_response_due_at=local(2026, 2, 2, 9) + timedelta(minutes=30),
            resolved_at=local(2026, 2, 9),
            closed_at=local(2026, 2, 10),
            rating=4,
        ),
        # Closed, Mon 5 Jan -> Tue 6 Jan: 1 working day; answered without a due time (not counted); rated 5.
        "G": case(
            session,
            ent,
            owner,
            created_at=local(2026, 1, 5),
            status=Status.CLOSED,
            first_responded_at=local(2026, 1, 5, 10),
            resolved_at=local(2026, 1, 6),
            closed_at=local(2026, 1, 7),
            rating=5,
        ),
    }
    session.add_all(
        [
            HotlineSession(
                request_id=c["B"].id,
                requested_by_id=owner.id,
                reason="r",
                status=HotlineStatus.SCHEDULED,
                director_id=people.director.id,
                scheduled_at=NOW + timedelta(days=3),
                duration_minutes=60,
            ),
            HotlineSession(
                request_id=c["C"].id,
                requested_by_id=owner.id,
                reason="r",
                status=HotlineStatus.HELD,
                director_id=people.director.id,
                scheduled_at=ago(5),
                duration_minutes=60,
                held_at=ago(5),
            ),
            Instruction(request_id=c["B"].id, director_id=people.director.id, assignee_id=staff.id, body="尽快办理"),
            Instruction(
                request_id=c["C"].id,
                director_id=people.director.id,
                assignee_id=staff.id,
                body="已阅",
                acknowledged_at=ago(1),
                acknowledged_by_id=staff.id,
            ),
        ]
    )
    # Tonghua: would change every number above if it leaked into Changchun New District's dashboard.
    th_ent = factories.enterprise(session, "JL-TH")
    th_owner = factories.user(session, Role.ENTERPRISE, enterprise_=th_ent)
    o = {
        "H": case(
            session,
            th_ent,
            th_owner,
            created_at=ago(1),
            status=Status.SUBMITTED,
            first_response_due_at=ago(0, 2),
            escalated=True,
            resolution_due_at=ago(0, 1),
        ),
        "I": case(
            session,
            th_ent,
            th_owner,
            created_at=ago(20),
            status=Status.CLOSED,
            first_responded_at=ago(19),
            first_response_due_at=ago(18),
            resolved_at=ago(3),
            closed_at=ago(2),
            rating=1,
        ),
    }
    session.add_all(
        [
            Instruction(request_id=o["H"].id, director_id=people.hub_director.id, body="请跟进"),
            HotlineSession(
                request_id=o["H"].id,
                requested_by_id=th_owner.id,
                reason="r",
                status=HotlineStatus.SCHEDULED,
                director_id=people.hub_director.id,
                scheduled_at=NOW + timedelta(days=1),
                duration_minutes=30,
            ),
        ]
    )
    session.commit()
    return Fixture(people, c, o)


def _scope(user, **kw):  # type: ignore[no-untyped-def]
    return dashboard.make_scope(user, NOW, date_from=kw.pop("date_from", FROM), date_to=kw.pop("date_to", TO), **kw)


def test_station_director_numbers_match_the_hand_count(
    session: Session, board_data: Fixture, calendar: WorkingCalendar
) -> None:
    board = dashboard.build_dashboard(session, _scope(board_data.people.director), calendar)

    assert board.totals == {
        "open": 4,
        "age_0_7": 1,
        "age_8_30": 1,
        "age_31_90": 1,
        "age_over_90": 1,
        "overdue_response": 1,
        "overdue_resolution": 1,
        "escalated": 1,
    }
    assert board.by_status == {
        Status.SUBMITTED: 1,
        Status.TRIAGED: 1,
        Status.EARLY_INTERVENTION: 0,
        Status.GUIDANCE: 1,
        Status.WAITING_ENTERPRISE: 1,
        Status.REVIEW: 0,
    }
    assert board.range_counts == {
        "opened": 6,
        "responded": 4,
        "responded_on_time": 2,
        "responded_late": 2,
        "resolved": 3,
        "rated": 2,
        "hotline_held": 1,
        "hotline_upcoming": 1,
    }
    assert board.share("responded_on_time", "responded") == 0.5
    assert board.median_days == 2.0 and board.median_resolutions == 3
    assert board.rating_average == 4.5
    assert board.unacknowledged == 1
    assert [s.request_id for s in board.upcoming] == [board_data.cases["B"].id]
    assert [s.code for s, _ in board.by_station] == ["JL-CCND"]


def test_twelve_week_series(session: Session, board_data: Fixture, calendar: WorkingCalendar) -> None:
    board = dashboard.build_dashboard(session, _scope(board_data.people.director), calendar)

    assert board.weeks[0].start == date(2025, 12, 29) and board.weeks[-1].start == date(2026, 3, 16)
    assert board.weeks[-1].end == date(2026, 3, 22)
    # G week 2, F and C week 6, E and B (a Sunday) week 10, A week 12.
    assert board.opened_per_week == [0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1]
    # G week 2, F week 7, E week 10.
    assert board.resolved_per_week == [0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]


def test_provincial_director_sees_every_station_and_can_pick_one(
    session: Session, board_data: Fixture, calendar: WorkingCalendar
) -> None:
    hub = board_data.people.hub_director
    everything = dashboard.build_dashboard(session, _scope(hub), calendar)
    assert everything.totals["open"] == 5 and everything.totals["escalated"] == 2
    assert everything.range_counts["resolved"] == 4 and everything.rating_average == pytest.approx(10 / 3, abs=0.01)
    assert everything.unacknowledged == 2
    per_station = {s.code: counts["open"] for s, counts in everything.by_station}
    assert per_station["JL-CCND"] == 4 and per_station["JL-TH"] == 1 and per_station["JL-DH"] == 0

    tonghua = dashboard.build_dashboard(session, _scope(hub, station_id=station_id(session, "JL-TH")), calendar)
    assert tonghua.totals["open"] == 1 and tonghua.totals["overdue_response"] == 1
    assert tonghua.range_counts["resolved"] == 1 and tonghua.rating_average == 1.0
    assert tonghua.unacknowledged == 1 and [s.code for s, _ in tonghua.by_station] == ["JL-TH"]


def test_a_station_director_cannot_pick_another_station(
    session: Session, board_data: Fixture, calendar: WorkingCalendar
) -> None:
    scope = _scope(board_data.people.director, station_id=station_id(session, "JL-TH"))
    assert scope.station_id is None
    board = dashboard.build_dashboard(session, scope, calendar)
    assert board.totals["open"] == 4 and board.range_counts["hotline_upcoming"] == 1
    listed = set(session.scalars(dashboard.cases_select(scope, "opened")).all())
    assert not listed & set(board_data.other.values())


@pytest.mark.parametrize("who", ["director", "hub_director"])
def test_every_number_equals_the_length_of_its_list(
    session: Session, board_data: Fixture, calendar: WorkingCalendar, who: str
) -> None:
    scope = _scope(getattr(board_data.people, who))
    board = dashboard.build_dashboard(session, scope, calendar)
    numbers = {**board.totals, **board.range_counts}
    for bucket, number in numbers.items():
        assert len(session.scalars(dashboard.cases_select(scope, bucket)).all()) == number, bucket
    for status, number in board.by_status.items():
        assert len(session.scalars(dashboard.cases_select(scope, "open", status)).all()) == number, status
    weeks = board.weeks
    for i, week in enumerate(weeks):
        week_scope = _scope(getattr(board_data.people, who), date_from=week.start, date_to=week.end)
        assert len(session.scalars(dashboard.cases_select(week_scope, "opened")).all()) == board.opened_per_week[i]
        assert len(session.scalars(dashboard.cases_select(week_scope, "resolved")).all()) == board.resolved_per_week[i]


def test_the_range_filter_narrows_the_period_numbers_only(
    session: Session, board_data: Fixture, calendar: WorkingCalendar
) -> None:
    march = dashboard.build_dashboard(session, _scope(board_data.people.director, date_from=date(2026, 3, 1)), calendar)
    assert march.totals["open"] == 4  # a snapshot: not bound to the period
    assert march.range_counts["opened"] == 3  # E, B, A
    assert march.range_counts["resolved"] == 1 and march.median_days == 2.0
    assert march.rating_average is None and march.range_counts["hotline_held"] == 1


def test_dates_given_backwards_are_swapped_and_missing_ones_default() -> None:
    user = User(id=1, role=Role.DIRECTOR, station_id=1, active=True)
    swapped = dashboard.make_scope(user, NOW, date_from=date(2026, 3, 1), date_to=date(2026, 1, 1))
    assert (swapped.date_from, swapped.date_to) == (date(2026, 1, 1), date(2026, 3, 1))
    default = dashboard.make_scope(user, NOW)
    assert default.date_to == date(2026, 3, 18) and (default.date_to - default.date_from).days == 89


def test_only_directors_and_admins_see_a_dashboard(session: Session, people: People, calendar: WorkingCalendar) -> None:
    for user in (people.staff, people.owner, people.hub_staff):
        with pytest.raises(Forbidden):
            dashboard.build_dashboard(session, _scope(user), calendar)
    assert dashboard.build_dashboard(session, _scope(people.admin), calendar).totals["open"] == 0


def test_a_session_marked_held_before_its_start_is_not_counted(
    session: Session, board_data: Fixture, calendar: WorkingCalendar
) -> None:
    early = board_data.cases["D"]
    session.add(
        HotlineSession(
            request_id=early.id,
            requested_by_id=board_data.people.owner.id,
            reason="r",
            status=HotlineStatus.HELD,
            director_id=board_data.people.director.id,
            scheduled_at=ago(2),
            duration_minutes=60,
            held_at=ago(3),
        )
    )
    session.commit()
    scope = _scope(board_data.people.director)
    board = dashboard.build_dashboard(session, scope, calendar)
    assert board.range_counts["hotline_held"] == 1
    held = session.scalars(dashboard.cases_select(scope, "hotline_held")).all()
    assert [c.id for c in held] == [board_data.cases["C"].id]
