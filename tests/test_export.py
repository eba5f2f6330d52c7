"""CSV export: Excel-friendly UTF-8 with BOM, streamed, scoped by the policy, never holding internal notes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from service.models import Category, Channel, LifecycleStage, Message, Priority, Role, ServiceRequest, Status
from service.models.base import utcnow
from service.queries import export as export_queries
from service.queries.dashboard import cases_select, make_scope
from service.web.desk import export as export_web
from service.web.labels import label
from tests import factories
from tests.director_support import case
from tests.factories import People
from tests.suite import login

SECRET = "内部备注：企业资金紧张，勿外传"


@pytest.fixture()
def cases(session: Session, people: People) -> dict[str, ServiceRequest]:
    now = utcnow()
    own = case(
        session,
        people.enterprise,
        people.owner,
        created_at=now - timedelta(days=3),
        title="可吸收止血材料注册咨询",
        assignee=people.staff,
        first_response_due_at=now + timedelta(hours=3),
        rating=None,
    )
    formula = case(
        session,
        people.enterprise,
        people.owner,
        created_at=now - timedelta(days=2),
        title='=HYPERLINK("http://evil.example")',
    )
    tonghua_enterprise = factories.enterprise(session, "JL-TH")
    tonghua = case(
        session,
        tonghua_enterprise,
        factories.user(session, Role.ENTERPRISE, enterprise_=tonghua_enterprise),
        created_at=now - timedelta(days=1),
        title="通化企业的咨询",
    )
    session.add(Message(request_id=own.id, author_id=people.staff.id, body=SECRET, internal=True))
    session.commit()
    return {"own": own, "formula": formula, "tonghua": tonghua}


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_director_export_is_excel_friendly(
    app: Flask, client: FlaskClient, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.director)
    response = client.get("/director/export.csv?bucket=open", headers={"Accept-Language": "zh-CN"})
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"] and ".csv" in response.headers["Content-Disposition"]
    rows = _rows(response)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert rows[0] == [str(h) for h in export_web.HEADERS]
        status, category = label(Status.TRIAGED), label(Category.REGISTRATION_DOSSIER)
    own = next(r for r in rows if r[0] == cases["own"].reference)
    assert own[1] == "可吸收止血材料注册咨询" and own[2] == people.enterprise.name and own[3] == "长春新区分站"
    assert own[4] == category and own[6] == status and own[7] == people.staff.name
    assert len(own[8]) == len("2026-03-10 10:00") and own[10] == "" and own[12] == ""
    assert SECRET not in response.get_data(as_text=True)


def test_english_readers_get_english_labels(
    client: FlaskClient, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.director)
    rows = _rows(client.get("/director/export.csv?bucket=open", headers={"Accept-Language": "en"}))
    assert rows[0][:3] == ["Reference", "Title", "Enterprise"]
    own = next(r for r in rows if r[0] == cases["own"].reference)
    assert own[3] == "Changchun New District Sub-station" and own[6] == "Triaged"
    assert own[1] == "可吸收止血材料注册咨询"


def test_cells_that_a_spreadsheet_would_run_are_defused(
    client: FlaskClient, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.director)
    rows = _rows(client.get("/director/export.csv?bucket=open"))
    formula = next(r for r in rows if r[0] == cases["formula"].reference)
    assert formula[1] == '\'=HYPERLINK("http://evil.example")'


def _references(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {row[0] for row in _rows(response)[1:]}


def test_exports_are_scoped(
    client: FlaskClient, session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    tonghua = factories.station(session, "JL-TH").id
    login(client, people.director)
    assert _references(client.get(f"/director/export.csv?bucket=opened&station={tonghua}")) == {
        cases["own"].reference,
        cases["formula"].reference,
    }
    login(client, people.staff)
    assert _references(client.get("/export/requests.csv?queue=all")) == {
        cases["own"].reference,
        cases["formula"].reference,
    }
    login(client, people.hub_director)
    assert _references(client.get(f"/director/export.csv?bucket=open&station={tonghua}")) == {
        cases["tonghua"].reference
    }
    login(client, people.owner)
    assert client.get("/export/requests.csv").status_code == 403
    assert client.get("/director/export.csv").status_code == 403


def test_the_desk_export_follows_the_queue_filters(
    client: FlaskClient, people: People, cases: dict[str, ServiceRequest]
) -> None:
    login(client, people.staff)
    assert _references(client.get("/export/requests.csv?queue=mine")) == {cases["own"].reference}
    assert _references(client.get("/export/requests.csv?queue=all&text=止血")) == {cases["own"].reference}
    assert client.get("/export/requests.csv?status=bogus&priority=P9&station_id=x&assignee_id=-1").status_code == 200


def test_a_long_export_streams_in_chunks(
    client: FlaskClient, session: Session, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    station = people.enterprise.station_id
    session.execute(
        insert(ServiceRequest),
        [
            dict(
                reference=f"JL-1998-{n:06d}",
                year=1998,
                sequence=n,
                enterprise_id=people.enterprise.id,
                submitter_id=people.owner.id,
                channel=Channel.WEB,
                title=f"批量咨询{n}",
                description="d",
                category=Category.POLICY,
                lifecycle_stage=LifecycleStage.RESEARCH,
                priority=Priority.P4,
                status=Status.TRIAGED,
                station_id=station,
                created_at=now,
                updated_at=now,
                version=1,
            )
            for n in range(1, 3001)
        ],
    )
    session.commit()
    fetched: list[int] = []
    real = export_queries.stream_rows

    def spy(session_, cases_, chunk=export_queries.CHUNK):  # type: ignore[no-untyped-def]
        fetched.append(chunk)
        return real(session_, cases_, chunk=chunk)

    monkeypatch.setattr(export_web, "stream_rows", spy)
    login(client, people.director)
    response = client.get("/director/export.csv?bucket=open")
    assert response.is_streamed
    pieces = list(response.response)
    rows = list(
        csv.reader(io.StringIO(b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces).decode("utf-8-sig")))
    )
    assert len(rows) == 3001 and rows[1][0] == "JL-1998-003000" and rows[-1][0] == "JL-1998-000001"
    # The header, one piece per 500 rows, and the rest: never the whole file at once.
    assert len(pieces) >= 3000 // export_web.FLUSH_EVERY + 1 and fetched == [export_queries.CHUNK]


def test_rows_come_from_the_database_in_partitions(
    session: Session, people: People, cases: dict[str, ServiceRequest]
) -> None:
    scope = make_scope(people.director, utcnow())
    rows = list(export_queries.stream_rows(session, cases_select(scope, "open"), chunk=1))
    assert [r.reference for r in rows] == [cases["formula"].reference, cases["own"].reference]
    assert rows[1].enterprise == people.enterprise.name and rows[1].assignee == people.staff.name
    assert not any(SECRET in str(value) for row in rows for value in row)
