"""The server-drawn charts: what a reader of the dashboard sees in them."""

from __future__ import annotations

import re

from service.infrastructure.charts import Series, column_chart, text_width


def test_the_weekly_chart_leaves_room_for_a_province_sized_axis() -> None:
    weeks = [f"W{n}" for n in range(12)]
    svg = column_chart("weekly", "Opened per week", weeks, [Series("opened", [3800 + n for n in range(12)])])
    ticks = re.findall(r'<text class="tick" x="([\d.]+)" y="[\d.]+" text-anchor="end">(\d+)</text>', str(svg))
    assert [label for _, label in ticks][-1] == "4000"
    # Each axis label ends at x and runs leftwards: it must fit inside the drawing.
    assert all(float(x) >= text_width(label) for x, label in ticks)
