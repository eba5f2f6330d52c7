"""The models' declarative base, its naming convention and column types, and the clock every timestamp uses."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names: Alembic can drop them by name and SQLite batch
# migrations can recreate tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model maps one table (DeclarativeBase types it as any FROM clause).
        __table__: ClassVar[sa.Table]

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Vocabularies are stored as their string values in plain VARCHAR columns:
    # no database enum types to migrate when a vocabulary grows.
    type_annotation_map = {
        enum.Enum: sa.Enum(enum.Enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]),
        datetime: UTCDateTime(),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)
