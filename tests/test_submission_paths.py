"""The fast submission path (plain INSERTs, no ORM flush) leaves exactly what the ordinary ORM path leaves:
the request's row, its timeline event, its search index entry and the desk's notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from service.models import Event, EventKind, Notification, ServiceRequest, Status, User
from service.operations import notifications
from service.operations.request_support import due_times, record, untriaged_priority
from service.operations.requests import RequestDraft, next_reference, submit_request
from service.rules import sla
from service.rules.reference_numbers import reference_year
from service.rules.reminders import warning_moment
from service.store.db import unit_of_work
from service.store.settings import DeskSettings, service_times
from tests.factories import People
from tests.request_helpers import TUESDAY_10, draft

# What differs between two submissions by construction: their ids and numbers.
NUMBERING = {"id", "request_id", "reference", "sequence"}


def _ordinary_submission(session: Session, actor: User, submitted: RequestDraft, settings: DeskSettings) -> int:
    """The same submission through the ORM: a flush with its defaults and search-index hook, ORM rows for
    the event and each notification."""
    enterprise = actor.enterprise
    first_due, resolution_due = due_times(
        service_times(session, settings), TUESDAY_10, untriaged_priority(submitted.urgent)
    )
    with unit_of_work(session):
        year = reference_year(TUESDAY_10)
        sequence, reference = next_reference(session.connection(), year)
        request = ServiceRequest(
            enterprise_id=enterprise.id,
            submitter_id=actor.id,
            channel=submitted.channel,
            title=submitted.title.strip(),
            description=submitted.description.strip(),
            category=submitted.category,
            product_name=submitted.product_name.strip(),
            device_class=submitted.device_class,
            product_type=submitted.product_type,
            product_field=submitted.product_field,
            innovative=submitted.innovative,
            lifecycle_stage=submitted.lifecycle_stage,
            urgent=submitted.urgent,
            status=Status.SUBMITTED,
            station_id=enterprise.station_id,
            year=year,
            sequence=sequence,
            reference=reference,
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
            resolution_remind_at=warning_moment(
                service_times(session, settings).calendar, TUESDAY_10, resolution_due, settings.reminder_share
            ),
            created_at=TUESDAY_10,
            updated_at=TUESDAY_10,
        )
        session.add(request)
        session.flush()
        record(
            session,
            request,
            EventKind.CREATED,
            actor,
            TUESDAY_10,
            public=True,
            reference=reference,
            channel=submitted.channel.value,
            on_behalf=False,
            station_id=enterprise.station_id,
            **sla.due_times_data(first_due, resolution_due),
        )
        desk = session.scalars(notifications.station_desk(enterprise.station_id)).all()
        session.add_all(
            Notification(
                user_id=user_id, request_id=request.id, kind=EventKind.CREATED, created_at=TUESDAY_10, actor_id=actor.id
            )
            for user_id in sorted(desk)
            if user_id != actor.id
        )
    return request.id


def _rows(session: Session, table: Table, request_id: int, reference: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(table).where((table.c.id if table is ServiceRequest.__table__ else table.c.request_id) == request_id)
    ).mappings()
    kept = []
    for row in rows:
        values = {name: value for name, value in row.items() if name not in NUMBERING}
        if isinstance(values.get("data"), dict) and "reference" in values["data"]:
            # The event names its own request's number.
            assert values["data"].pop("reference") == reference
        kept.append(values)
    return sorted(kept, key=repr)


def _index_entry(session: Session, request_id: int) -> tuple[Any, ...] | None:
    if session.get_bind().dialect.name == "sqlite":
        query = text(
            "SELECT title_terms, public_terms, internal_terms, scope_terms FROM search_index WHERE rowid = :id"
        )
    else:
        query = text("SELECT CAST(document AS text) FROM search_documents WHERE request_id = :id")
    row = session.execute(query, {"id": request_id}).first()
    return tuple(row) if row is not None else None


def test_fast_and_ordinary_submissions_leave_identical_rows(
    session: Session, people: People, settings: DeskSettings
) -> None:
    submitted = draft(product_name=" 骨科植入物 ", urgent=True)
    fast = submit_request(session, people.owner, submitted, settings=settings, now=TUESDAY_10)
    ordinary_id = _ordinary_submission(session, people.owner, submitted, settings)
    ordinary = session.get(ServiceRequest, ordinary_id)
    assert ordinary is not None
    session.expire_all()
    for table in (ServiceRequest.__table__, Event.__table__, Notification.__table__):
        fast_rows = _rows(session, table, fast.id, fast.reference)
        assert fast_rows, table.name
        assert fast_rows == _rows(session, table, ordinary_id, ordinary.reference), table.name
    assert len(_rows(session, Notification.__table__, fast.id, fast.reference)) == 3  # staff, staff2, director
    assert _index_entry(session, fast.id) is not None
    assert _index_entry(session, fast.id) == _index_entry(session, ordinary_id)
