"""Templates only render what their page's presenter built: no statement runs while a page's template renders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from service.models import MilestonePhase, MilestoneStatus, ServiceRequest, TaskForce, TaskForceMember
from service.models.base import utcnow
from service.operations.milestones import MilestoneFields, add_milestone
from service.queries.monthly_report import default_month
from service.store.settings import DeskSettings
from tests.director_support import november_cases
from tests.factories import People
from tests.report_helpers import month_of_cases
from tests.suite import login
from tests.web_requests_support import EN


@contextmanager
def rendering_statements(app: Flask, connection: Connection) -> Iterator[list[str]]:
    """The statements run while a template renders (between Flask's before- and after-render signals)."""
    seen: list[str] = []
    rendering = [False]

    def started(*_args: object, **_kwargs: object) -> None:
        rendering[0] = True

    def finished(*_args: object, **_kwargs: object) -> None:
        rendering[0] = False

    def record(_conn, _cursor, statement, *_rest):  # type: ignore[no-untyped-def]
        if rendering[0]:
            seen.append(" ".join(statement.split()))

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


@pytest.mark.parametrize("audience", ["desk", "portal"])
def test_a_request_page_renders_without_sql(
    app: Flask, client: FlaskClient, connection: Connection, people: People, full: ServiceRequest, audience: str
) -> None:
    login(client, people.staff if audience == "desk" else people.owner)
    with rendering_statements(app, connection) as seen:
        response = client.get(f"/{audience}/requests/{full.id}", headers=EN)
    assert response.status_code == 200
    assert seen == []


def test_a_plan_page_renders_without_sql(
    app: Flask, client: FlaskClient, connection: Connection, session: Session, people: People, full: ServiceRequest
) -> None:
    """The plan of the full request, with a task force and its members, a milestone, hotline sessions, a timeline."""
    add_milestone(
        session,
        people.staff,
        full.plan_id,
        MilestoneFields(
            phase=MilestonePhase.OTHER,
            title="型式检验",
            owner_id=people.staff2.id,
            due_date=None,
            status=MilestoneStatus.PLANNED,
            blocked_reason="",
            notes="",
        ),
    )
    session.add(
        TaskForce(
            plan_id=full.plan_id,
            station_id=full.station_id,
            name="计划专班",
            purpose="临床评价",
            lead_id=people.staff.id,
            members=[
                TaskForceMember(user_id=people.staff2.id),
                TaskForceMember(external_name="外部专家", affiliation="大学"),
            ],
        )
    )
    session.commit()
    login(client, people.staff)
    with rendering_statements(app, connection) as seen:
        response = client.get(f"/plans/{full.plan_id}", headers=EN)
    assert response.status_code == 200 and "外部专家 (大学)" in response.get_data(as_text=True)
    assert seen == []


def test_the_dashboard_renders_without_sql(
    app: Flask, client: FlaskClient, connection: Connection, people: People, full: ServiceRequest
) -> None:
    login(client, people.hub_director)
    with rendering_statements(app, connection) as seen:
        response = client.get("/director/", headers=EN)
    assert response.status_code == 200
    assert seen == []


def test_the_monthly_report_renders_without_sql(
    app: Flask,
    client: FlaskClient,
    connection: Connection,
    session: Session,
    people: People,
    app_settings: DeskSettings,
) -> None:
    """A month with typical cases and an open supervision order, for the province and for a station's head."""
    cases = month_of_cases(session, people, app_settings, default_month(utcnow()))
    for reader in (people.hub_director, people.director):
        login(client, reader)
        with rendering_statements(app, connection) as seen:
            response = client.get("/reports/monthly", headers=EN)
        assert response.status_code == 200 and cases.typical.reference in response.get_data(as_text=True)
        assert seen == []


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("hub_director", "/director/rates/?period=2026-11"),
        ("director", "/director/rates/?period=2026"),
        ("hub_director", "/director/rates/requests?period=2026-11&bucket=received"),
    ],
)
def test_the_rates_pages_render_without_sql(
    app: Flask, client: FlaskClient, connection: Connection, session: Session, people: People, who: str, path: str
) -> None:
    november_cases(session, people)
    login(client, getattr(people, who))
    with rendering_statements(app, connection) as seen:
        response = client.get(path, headers=EN)
    assert response.status_code == 200
    assert seen == []
