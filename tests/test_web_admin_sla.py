"""Administration of the service times: SLA targets and the working-day calendar, with CSV import."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import CalendarDay, Priority, Role, SlaTarget
from tests import factories
from tests.suite import login
from tests.web_requests_support import get, send


def _admin(client: FlaskClient, session: Session) -> None:
    login(client, factories.user(session, Role.ADMIN, "JL-HUB"))


def _target(session: Session, priority: Priority) -> tuple[int, int]:
    session.expire_all()
    target = session.get(SlaTarget, priority)
    return target.first_response_hours, target.resolution_hours


def _day(session: Session, day: date) -> CalendarDay | None:
    session.expire_all()
    return session.get(CalendarDay, day)


def test_targets_are_listed_and_edited(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    page = get(client, "/admin/sla").get_data(as_text=True)
    for priority in Priority:
        assert f'action="/admin/sla/{priority.value}"' in page
    assert re.search(r'name="P1-first_response_hours" required type="number" value="2"', page)
    response = send(client, "/admin/sla/P1", {"P1-first_response_hours": "3", "P1-resolution_hours": "20"}, prefix="P1")
    assert response.status_code == 302
    assert _target(session, Priority.P1) == (3, 20)


def test_bad_targets_are_refused_beside_their_fields(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    before = _target(session, Priority.P2)
    after_resolution = send(
        client, "/admin/sla/P2", {"P2-first_response_hours": "50", "P2-resolution_hours": "40"}, prefix="P2"
    )
    assert after_resolution.status_code == 400
    assert "The first response cannot be due after the resolution." in after_resolution.get_data(as_text=True)
    not_a_number = send(
        client, "/admin/sla/P2", {"P2-first_response_hours": "abc", "P2-resolution_hours": "0"}, prefix="P2"
    )
    assert not_a_number.status_code == 400 and 'id="P2-resolution_hours-error"' in not_a_number.get_data(as_text=True)
    assert _target(session, Priority.P2) == before
    assert send(client, "/admin/sla/P9", {}).status_code == 404


def test_only_admins_edit_service_times(client: FlaskClient, session: Session) -> None:
    login(client, factories.user(session, Role.DIRECTOR, "JL-HUB"))
    assert get(client, "/admin/sla").status_code == 403
    assert get(client, "/admin/calendar").status_code == 403
    assert (
        send(
            client, "/admin/sla/P1", {"P1-first_response_hours": "1", "P1-resolution_hours": "1"}, prefix="P1"
        ).status_code
        == 403
    )


def test_the_calendar_lists_a_year_and_adds_and_removes_days(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    page = get(client, "/admin/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-01" in page and "国庆节" in page and "2026-10-10" in page and "Make-up working day" in page
    added = send(
        client,
        "/admin/calendar/days?year=2026",
        {"day-day": "2026-12-31", "day-kind": "holiday", "day-name": "年终休息"},
        prefix="day",
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/calendar?year=2026")
    assert (_day(session, date(2026, 12, 31)).is_working_day, _day(session, date(2026, 12, 31)).name) == (
        False,
        "年终休息",
    )
    workday = send(client, "/admin/calendar/days", {"day-day": "2026-12-27", "day-kind": "workday"}, prefix="day")
    assert workday.status_code == 302 and _day(session, date(2026, 12, 27)).is_working_day
    assert send(client, "/admin/calendar/days/2026-12-31/delete", {}).status_code == 302
    assert _day(session, date(2026, 12, 31)) is None
    assert send(client, "/admin/calendar/days/2026-12-30/delete", {}).status_code == 404
    assert send(client, "/admin/calendar/days/not-a-date/delete", {}).status_code == 404
    bad = send(client, "/admin/calendar/days", {"day-day": "2026-13-45", "day-kind": "holiday"}, prefix="day")
    assert bad.status_code == 400 and 'id="day-day-error"' in bad.get_data(as_text=True)
    for year in ("abc", "1900", "99999"):
        assert get(client, f"/admin/calendar?year={year}").status_code == 404


def test_csv_import_from_text_or_file_and_errors_name_the_line(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    text = "date,type,name\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节调休上班\n"
    response = send(client, "/admin/calendar/import?year=2027", {"import-text": text}, prefix="import")
    assert response.status_code == 302
    assert _day(session, date(2027, 1, 1)).name == "元旦" and _day(session, date(2027, 2, 7)).is_working_day
    upload = {"import-file": (BytesIO("2027-10-01,休,国庆节\n".encode("gb18030")), "假日.csv")}
    response = send(client, "/admin/calendar/import", upload, prefix="import", content_type="multipart/form-data")
    assert response.status_code == 302 and _day(session, date(2027, 10, 1)).name == "国庆节"
    broken = "2027-05-01,holiday,劳动节\n2027-05-32,holiday,坏日期\n"
    refused = send(client, "/admin/calendar/import", {"import-text": broken}, prefix="import")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "line 2" in page and "2027-05-32" in page
    assert _day(session, date(2027, 5, 1)) is None
    empty = send(client, "/admin/calendar/import", {"import-text": " "}, prefix="import")
    assert empty.status_code == 400 and "Paste the CSV text or choose a file." in empty.get_data(as_text=True)
