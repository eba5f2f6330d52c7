"""The Excel writer (service/infrastructure/workbook.py): text stays text, moments are local wall-clock times,
sheet names are ones Excel accepts, columns are as wide as their longest text (a Chinese character counts two)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from service.infrastructure.workbook import CellKind, Column, Sheet, display_width, sheet_name, workbook

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_cells_keep_their_kind_and_text_is_never_a_formula_or_a_link() -> None:
    sheet = Sheet(
        "Cases",
        [
            Column("Note", wrap=True),
            Column("Count", CellKind.COUNT),
            Column("Share", CellKind.PERCENT),
            Column("At", CellKind.DATETIME),
            Column("Day", CellKind.DATE),
        ],
        [
            [
                '=HYPERLINK("http://evil.example","x")',
                1234,
                0.25,
                datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
                date(2026, 3, 2),
            ],
            ["https://example.cn", None, None, None, None],
        ],
        totals=[["合计", 1234, 0.25, None, None]],
    )
    book = load_workbook(io.BytesIO(workbook([sheet], title="t", zone=SHANGHAI)))
    cells = book["Cases"]
    assert cells["A2"].data_type == "s" and cells["A2"].value.startswith("=HYPERLINK")
    assert cells["A3"].hyperlink is None and cells["A3"].value == "https://example.cn"
    assert (cells["B2"].value, cells["B2"].number_format) == (1234, "#,##0")
    assert cells["D2"].value == datetime(2026, 3, 1, 10, 0) and cells["E2"].value == datetime(2026, 3, 2)
    assert cells["B3"].value is None and cells["A4"].font.bold and not cells["A2"].font.bold
    assert cells["A2"].alignment.wrap_text and cells.freeze_panes == "A2"
    assert cells.page_setup.paperSize == 9 and cells.print_title_rows == "$1:$1"


def test_sheet_names_are_cleaned_shortened_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("Rates [2026/05]", taken) == "Rates  2026 05"
    assert sheet_name("x" * 40, taken) == "x" * 31
    # Excel tells names apart regardless of case.
    assert sheet_name("X" * 40, taken) == "X" * 27 + " (2)"


def test_widths_count_a_chinese_character_twice() -> None:
    assert display_width("长春新区分站") == 12 and display_width("JL-2026") == 7
    sheet = Sheet("W", [Column("站"), Column("Count", CellKind.COUNT)], [["长春经济技术开发区分站", 5]])
    book = load_workbook(io.BytesIO(workbook([sheet], title="t", zone=SHANGHAI)))
    assert book["W"].column_dimensions["A"].width >= 22
