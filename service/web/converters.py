"""The ``int`` URL converter of every route: a record id the database can hold, else no route matches (404).

Ids are 32-bit integer columns; a larger number in a URL would otherwise reach the
database and fail there (a 500 on PostgreSQL), so it never gets past routing.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` limited to 1..MAX_ID; ``int(min=, max=)`` arguments still narrow it further."""

    regex = r"[0-9]+"  # ASCII digits only: werkzeug's \d would take "１２" as 12

    def __init__(
        self,
        map: Map,  # noqa: A002 - werkzeug's names
        fixed_digits: int = 0,
        min: int | None = 1,  # noqa: A002
        max: int | None = MAX_ID,  # noqa: A002
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
