"""Charts drawn on the server as inline SVG: no script, readable at any width.

Each builder returns one ``<svg role="group">`` whose ``<title>`` and ``<desc>``
name it for assistive technology (a group, not an image: an image's children are
presentational, so its links would be interactive content nested where none may be);
the page puts a table with the same numbers behind it. Every piece of text goes through markupsafe, so labels typed by
users (station names, for instance) cannot inject markup. Colours come from
CSS classes (see static/css/app.css), because the CSP forbids inline styles.

Links inside a chart are for the mouse: they are taken out of the tab order
(``tabindex="-1"``) because the table behind the chart carries the same links
for keyboard and screen-reader users.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from service.errors import N_

FONT = 14
ROW = 30
# viewBox widths: the page scales each chart to its card, so these set how large the text reads.
BAR_WIDTH = 480
COLUMN_WIDTH = 880
# A mark's tooltip; callers pass it worded for the reader (Chinese takes a full-width colon).
TIP = N_("%(label)s: %(value)s")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str | None = None
    # The value as people read it ("12", "4.5"); defaults to the number itself.
    display: str | None = None

    @property
    def text(self) -> str:
        return self.display if self.display is not None else _number(self.value)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    hrefs: Sequence[str | None] = ()
    css_class: str = "s1"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def text_width(text: str, size: float = FONT) -> float:
    """Approximate rendered width: CJK characters take a full em, Latin ones a bit over half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.58 for c in text)


def _fit(text: str, width: float, size: float = FONT) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round axis steps (1, 2, 5 x 10^k) from 0 up to at least ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and float(maximum).is_integer():
        step = 1  # counts never need fractional ticks
    top = math.ceil(maximum / step) * step
    return [round(i * step, 6) for i in range(round(top / step) + 1)]


def _open(chart_id: str, title: str, description: str, width: int, height: float, css: str) -> Markup:
    return Markup(
        '<svg class="chart {css}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(css=css, w=width, h=round(height), id=chart_id, title=title, desc=description)


def _link(href: str | None, label: str, inner: Markup) -> Markup:
    tip = Markup("<title>{}</title>").format(label)
    if not href:
        return Markup("<g>{}{}</g>").format(tip, inner)
    return Markup('<a href="{}" tabindex="-1">{}{}</a>').format(href, tip, inner)


def bar_chart(
    chart_id: str, title: str, bars: Sequence[Bar], description: str = "", css_class: str = "", tip: str = TIP
) -> Markup:
    """Horizontal bars, one per row: long Chinese labels stay readable on the left."""
    label_width = min(max((text_width(b.label) for b in bars), default=0) + 12, BAR_WIDTH * 0.48)
    value_width = max((text_width(b.text) for b in bars), default=0) + 12
    plot = BAR_WIDTH - label_width - value_width - 8
    top = max((b.value for b in bars), default=0) or 1
    height = max(len(bars), 1) * ROW + 8
    parts = [_open(chart_id, title, description, BAR_WIDTH, height, f"bar-chart {css_class}".strip())]
    for i, b in enumerate(bars):
        y = 4 + i * ROW
        length = plot * b.value / top if b.value > 0 else 0
        inner = Markup(
            '<text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
            '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}" rx="2"></rect>'
            '<text class="value" x="{vx}" y="{ty}">{value}</text>'
        ).format(
            lx=round(label_width - 8, 1),
            ty=round(y + ROW / 2 + FONT * 0.35, 1),
            label=_fit(b.label, label_width - 12),
            x=round(label_width, 1),
            y=y + 4,
            w=round(max(length, 1.5), 1),
            h=ROW - 8,
            vx=round(label_width + length + 6, 1),
            value=b.text,
        )
        parts.append(_link(b.href, tip % {"label": b.label, "value": b.text}, inner))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def column_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    tip: str = TIP,
) -> Markup:
    """Grouped columns per category (e.g. weeks), with a legend, gridlines and the value over each non-empty column."""
    width, height, right, legend_h, axis_h = COLUMN_WIDTH, 270, 8, 28, 26
    plot_top, plot_bottom = legend_h + 16, height - axis_h
    plot_h = plot_bottom - plot_top
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    # The axis labels stand left of the plot: room for the widest (a province counts in thousands).
    left = round(12 + max(text_width(_number(t)) for t in ticks))
    scale = plot_h / ticks[-1]
    group_w = (width - left - right) / max(len(categories), 1)
    col_w = min(group_w * 0.8 / max(len(series), 1), 26)
    parts = [_open(chart_id, title, description, width, height, "column-chart")]
    x: float = left
    for s in series:
        parts.append(
            Markup(
                '<rect class="bar {c}" x="{x}" y="6" width="14" height="14" rx="2"></rect>'
                '<text class="legend" x="{tx}" y="18">{name}</text>'
            ).format(c=s.css_class, x=round(x, 1), tx=round(x + 20, 1), name=s.name)
        )
        x += 20 + text_width(s.name) + 24
    for t in ticks:
        y = round(plot_bottom - t * scale, 1)
        parts.append(
            Markup(
                '<line class="grid" x1="{l}" y1="{y}" x2="{r}" y2="{y}"></line>'
                '<text class="tick" x="{tx}" y="{ty}" text-anchor="end">{t}</text>'
            ).format(l=left, r=width - right, y=y, tx=left - 6, ty=round(y + 4, 1), t=_number(t))
        )
    for i, category in enumerate(categories):
        gx = left + i * group_w + (group_w - col_w * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i]
            h = value * scale
            cx = gx + j * col_w
            inner = Markup('<rect class="bar {c}" x="{x}" y="{y}" width="{w}" height="{h}"></rect>').format(
                c=s.css_class, x=round(cx + 1, 1), y=round(plot_bottom - h, 1), w=round(col_w - 2, 1), h=round(h, 1)
            )
            if value:
                inner += Markup('<text class="value small" x="{x}" y="{y}" text-anchor="middle">{v}</text>').format(
                    x=round(cx + col_w / 2, 1), y=round(plot_bottom - h - 4, 1), v=_number(value)
                )
            href = s.hrefs[i] if i < len(s.hrefs) else None
            parts.append(_link(href, tip % {"label": f"{s.name} · {category}", "value": _number(value)}, inner))
        parts.append(
            Markup('<text class="tick" x="{x}" y="{y}" text-anchor="middle">{c}</text>').format(
                x=round(left + i * group_w + group_w / 2, 1), y=height - 8, c=category
            )
        )
    parts.append(
        Markup('<line class="axis" x1="{l}" y1="{y}" x2="{r}" y2="{y}"></line></svg>').format(
            l=left, r=width - right, y=plot_bottom
        )
    )
    return Markup("").join(parts)
