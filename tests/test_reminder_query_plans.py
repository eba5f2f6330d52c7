"""The sweep finds the reminders due through the index on each clock's next reminder, never by walking the
requests table (a million rows, a handful due)."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.operations.reminders import sweep_reminders
from service.operations.sla import in_batches
from tests.test_query_plans import NOW, assert_indexed, many, people  # noqa: F401 - fixtures


def test_the_sweep_reads_only_the_due_reminders(session: Session, connection: Connection, many: None) -> None:  # noqa: F811
    assert_indexed(connection, lambda: sweep_reminders(session, NOW, in_batches), "the reminder sweep")
