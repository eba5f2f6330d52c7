"""Stations and the working calendar are kept per process (service/store/reference.py): a calendar edit shows
at once, anything else within the snapshot's minute."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Station
from service.models.base import utcnow
from service.operations.calendar_admin import delete_calendar_day, set_calendar_day
from service.queries.plans import local_today
from service.store import reference
from service.store.settings import DeskSettings, service_times
from tests.factories import People
from tests.request_helpers import triaged
from tests.suite import login
from tests.web_requests_support import get

LEFT = re.compile(r">(\d+) h (\d+) min left<")


def _minutes_left(client: FlaskClient, path: str) -> int:
    found = LEFT.search(get(client, path).get_data(as_text=True))
    assert found, f"no SLA badge on {path}"
    return int(found.group(1)) * 60 + int(found.group(2))


def test_a_calendar_edit_shows_in_the_sla_badges_at_once(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = triaged(session, people, app_settings, now=utcnow())
    request.first_response_due_at = utcnow() + timedelta(days=14)
    session.commit()
    login(client, people.staff)
    page = f"/desk/requests/{request.id}"
    before = _minutes_left(client, page)
    calendar = service_times(session, app_settings).calendar
    day = next(d for d in (local_today() + timedelta(days=n) for n in range(1, 13)) if calendar.is_working_day(d))
    day_minutes = round(calendar.working_day_seconds / 60)

    set_calendar_day(session, people.admin, day, False, "临时休息日")
    # A minute may tick by between the two pages.
    assert before - day_minutes - 1 <= _minutes_left(client, page) <= before - day_minutes
    assert LEFT.search(get(client, "/desk/?queue=all").get_data(as_text=True))

    delete_calendar_day(session, people.admin, day)
    assert before - 1 <= _minutes_left(client, page) <= before


def test_other_changes_show_once_the_snapshot_expires(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = triaged(session, people, app_settings)
    login(client, people.staff)
    page = f"/desk/requests/{request.id}"
    assert "Tonghua" in get(client, page).get_data(as_text=True)  # a station to transfer to
    # Renamed by another worker's admin, or by a restore: this process still holds the old names.
    session.scalars(select(Station).where(Station.code == "JL-TH")).one().name_en = "Tonghua Renamed Station"
    session.commit()
    assert "Tonghua Renamed Station" not in get(client, page).get_data(as_text=True)

    later = time.monotonic() + reference.TTL_SECONDS + 1
    monkeypatch.setattr(reference, "time", SimpleNamespace(monotonic=lambda: later))
    assert "Tonghua Renamed Station" in get(client, page).get_data(as_text=True)
