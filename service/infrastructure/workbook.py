"""Excel workbooks (.xlsx) of plain tables, written with XlsxWriter: a sheet per table, its header row frozen, each
column with the number format of its kind and a width that fits its longest text.

Text is always written as text (never as a formula or a link), so a cell a user typed, "=1+1" say, stays what it
was typed as.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet


class CellKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    # A share (0.853) shown as 85.3%, and a change of one in percentage points (+0.021 as +2.1%).
    PERCENT = "percent"
    CHANGE = "change"
    DATE = "date"
    DATETIME = "datetime"


NUMBER_FORMATS = {
    CellKind.COUNT: "#,##0",
    CellKind.PERCENT: "0.0%",
    CellKind.CHANGE: "+0.0%;-0.0%;0.0%",
    CellKind.DATE: "yyyy-mm-dd",
    CellKind.DATETIME: "yyyy-mm-dd hh:mm",
}
# Widths in Excel's character units: a CJK character takes two.
MIN_WIDTH, MAX_WIDTH = 8, 60
# Sheet names: at most 31 characters, none of these.
_NOT_IN_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind = CellKind.TEXT
    # Long free text wraps within MAX_WIDTH instead of widening the column.
    wrap: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    # Columns kept in view beside the frozen header row when scrolling right (the row's name).
    frozen_columns: int = 0
    # Rows printed in bold after the others (a total).
    totals: Sequence[Sequence[Any]] = field(default_factory=list)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: two for a wide (CJK) character, one for any other."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _shown(value: Any, kind: CellKind) -> str:
    """Roughly what the cell shows, to size its column."""
    if value is None:
        return ""
    if kind in (CellKind.PERCENT, CellKind.CHANGE):
        return "+100.0%"
    if kind == CellKind.COUNT:
        return f"{value:,}"
    if kind == CellKind.DATE:
        return "2026-12-31"
    if kind == CellKind.DATETIME:
        return "2026-12-31 23:59"
    return str(value)


def _width(column: Column, values: list[Any]) -> int:
    longest = max([display_width(column.header), *(display_width(_shown(v, column.kind)) for v in values)])
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


class _Formats:
    """The workbook's cell formats, made once each."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._made: dict[tuple[CellKind, bool, bool], Format] = {}
        self.header = book.add_format(
            {"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )

    def cell(self, kind: CellKind, wrap: bool, bold: bool) -> Format:
        key = (kind, wrap, bold)
        if key not in self._made:
            properties: dict[str, Any] = {"valign": "top"}
            if kind in NUMBER_FORMATS:
                properties["num_format"] = NUMBER_FORMATS[kind]
            if wrap:
                properties["text_wrap"] = True
            if bold:
                properties["bold"] = True
            self._made[key] = self._book.add_format(properties)
        return self._made[key]


def _write(sheet: Worksheet, row: int, col: int, value: Any, kind: CellKind, fmt: Format, zone: tzinfo) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif kind in (CellKind.COUNT, CellKind.PERCENT, CellKind.CHANGE):
        sheet.write_number(row, col, value, fmt)
    elif kind in (CellKind.DATE, CellKind.DATETIME):
        # Excel has no time zones: a moment is written as the reader's local time.
        sheet.write_datetime(
            row, col, value.astimezone(zone).replace(tzinfo=None) if isinstance(value, datetime) else value, fmt
        )
    else:
        sheet.write_string(row, col, str(value), fmt)


def sheet_name(text: str, taken: set[str]) -> str:
    """``text`` as an allowed, unused sheet name (31 characters at most, none of []:*?/\\)."""
    name = text.translate(_NOT_IN_NAMES).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def workbook(sheets: Sequence[Sheet], *, title: str, zone: tzinfo) -> bytes:
    """The .xlsx file of ``sheets`` (moments shown in ``zone``), its document title ``title``."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": title})
    formats = _Formats(book)
    taken: set[str] = set()
    for spec in sheets:
        sheet = book.add_worksheet(sheet_name(spec.name, taken))
        for col, column in enumerate(spec.columns):
            sheet.write_string(0, col, column.header, formats.header)
            values = [row[col] for row in (*spec.rows, *spec.totals)]
            sheet.set_column(col, col, _width(column, values))
        for row_number, (row, bold) in enumerate(
            [*((r, False) for r in spec.rows), *((r, True) for r in spec.totals)], start=1
        ):
            for col, (value, column) in enumerate(zip(row, spec.columns, strict=True)):
                fmt = formats.cell(column.kind, column.wrap, bold)
                _write(sheet, row_number, col, value, column.kind, fmt, zone)
        sheet.freeze_panes(1, spec.frozen_columns)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
    book.close()
    return buffer.getvalue()
