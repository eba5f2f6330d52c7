"""Rows for the CSV export of any case list, streamed from the database in chunks.

The export takes the list's own SELECT (already scoped by the policy) and
swaps its columns for the exported ones, so an export can never hold a case
the list would not show. Only columns of the request itself and the names of
its enterprise, station and assignee are read: messages (and so internal
notes) are not part of the statement at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session, aliased

from service.models import Enterprise, ServiceRequest, Station, User

CHUNK = 1000
R = ServiceRequest

COLUMNS = (
    "reference",
    "title",
    "enterprise",
    "station_zh",
    "station_en",
    "category",
    "priority",
    "status",
    "assignee",
    "created_at",
    "first_response_due_at",
    "resolution_due_at",
    "resolved_at",
    "rating",
)


def export_select(cases: Select[ServiceRequest]) -> Select[*tuple[Any, ...]]:
    """The exported columns of the cases ``cases`` selects, in its order, without any page limit."""
    enterprise, station, assignee = aliased(Enterprise), aliased(Station), aliased(User)
    columns = (
        R.reference,
        R.title,
        enterprise.name,
        station.name_zh,
        station.name_en,
        R.category,
        R.priority,
        R.status,
        assignee.name,
        R.created_at,
        R.first_response_due_at,
        R.resolution_due_at,
        R.resolved_at,
        R.rating,
    )
    return (
        cases.limit(None)
        .offset(None)
        .with_only_columns(
            *(c.label(name) for c, name in zip(columns, COLUMNS, strict=True)), maintain_column_froms=False
        )
        .join_from(R, enterprise, enterprise.id == R.enterprise_id)
        .join_from(R, station, station.id == R.station_id)
        .outerjoin_from(R, assignee, assignee.id == R.assignee_id)
    )


def stream_rows(session: Session, cases: Select[ServiceRequest], chunk: int = CHUNK) -> Iterator[Row[Any]]:
    """Yield the export rows ``chunk`` at a time: a server-side cursor on PostgreSQL, fetchmany on SQLite."""
    result = session.execute(export_select(cases).execution_options(yield_per=chunk))
    for partition in result.partitions():
        yield from partition
