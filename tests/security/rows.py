"""Plausible rows for every table of the models, made from the metadata alone, so a new table is covered
without anyone writing a builder for it. Used by the migration and backup tests on scratch databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

import service.models  # noqa: F401 - registers every table
from config import load_settings
from service.models.base import Base, UTCDateTime

FIRST_ID = 1001
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def fill_every_table(conn: Connection, per_table: int = 3) -> dict[str, int]:
    """Insert ``per_table`` rows into every model table, parents first; returns the rows added per table."""
    made: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        rows = [_row(table, i, made) for i in range(per_table)]
        conn.execute(table.insert(), rows)
        made[table.name] = rows
    return {name: len(rows) for name, rows in made.items()}


def _row(table: sa.Table, i: int, made: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.computed is not None:
            continue
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None:
            parent = foreign.column
            parents = made.get(parent.table.name)
            if not parents:  # a reference to itself, or to a table filled later: leave it empty
                if column.nullable:
                    row[column.name] = None
                    continue
                raise AssertionError(f"cannot fill {table.name}.{column.name}: no {parent.table.name} rows yet")
            row[column.name] = parents[i % len(parents)][parent.name]
            continue
        value = _value(column, i)
        if value is _SKIP:
            if not (column.nullable or column.server_default is not None):
                raise AssertionError(f"rows.py does not know how to fill {table.name}.{column.name} ({column.type})")
            continue
        row[column.name] = value
    return row


_SKIP = object()


def _value(column: sa.Column, i: int) -> Any:
    kind = column.type
    if isinstance(kind, sa.Enum):
        return kind.enums[i % len(kind.enums)]
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        if column.primary_key:
            return FIRST_ID + i
        return 1 if column.name == "version" else i + 1
    if isinstance(kind, (UTCDateTime, sa.DateTime)):
        return WHEN + dt.timedelta(hours=i)
    if isinstance(kind, sa.Date):
        return WHEN.date() + dt.timedelta(days=i)
    if isinstance(kind, sa.JSON):
        return {"n": i}
    if isinstance(kind, (sa.Float, sa.Numeric)):
        return i + 0.5
    if isinstance(kind, sa.LargeBinary):
        return bytes([i]) * 4
    if column.table.name == "users" and column.name == "totp_secret":
        # Stored encrypted with the keys the migrations use: they decrypt it going down and encrypt it going up.
        secret = f"{i}SECRETFORTHEROWSOFTESTS".ljust(32, "A")
        return load_settings().totp_cipher().encrypt(secret.encode()).decode()
    if isinstance(kind, sa.String):
        # The number first, so that unique columns stay unique when the length cuts the rest.
        text = f"{i}-{column.table.name}.{column.name}-数据"
        return text[: kind.length] if kind.length else text
    return _SKIP
