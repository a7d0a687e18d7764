"""Small bar charts drawn on the server as inline SVG: no script, no style attribute (the strict
CSP allows neither), only geometry and class names that the site's stylesheet colours.

`bar_chart` turns labelled values into what a template draws (bookkeeping/staff/_bar_chart.html): a bar
per value, scaled to the largest, each with its label under it and its value above it and in
its <title> (read out by screen readers and shown on hover).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 220
TOP = 26  # room for the values above the bars
BOTTOM = 30  # room for the labels under them
GAP = 0.28  # share of each slot left between bars


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: "jan"
    title: str  # the whole story: "januari 2026: 12 345 kr"
    value_text: str  # above the bar: "12 345 kr"
    x: float
    y: float
    width: float
    height: float
    negative: bool

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 6, 1)


@dataclass(frozen=True)
class BarChart:
    id: str  # unique on the page: the SVG's title and description are named by it
    title: str
    description: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - 7

    @property
    def empty(self) -> bool:
        return not any(bar.height for bar in self.bars)


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, str, Decimal | int, str]],
) -> BarChart:
    """A chart of `points`: (label, title, value, value as text). Negative values (a month of
    refunds) are drawn as bars of their size in a colour of their own, never below the axis."""
    largest = max((abs(Decimal(value)) for _l, _t, value, _v in points), default=Decimal(0))
    slot = WIDTH / max(len(points), 1)
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for index, (label, bar_title, value, value_text) in enumerate(points):
        size = float(abs(Decimal(value)) / largest * room) if largest else 0.0
        width = slot * (1 - GAP)
        bars.append(
            Bar(
                label=label,
                title=bar_title,
                value_text=value_text if value else "",
                x=round(index * slot + (slot - width) / 2, 1),
                y=round(HEIGHT - BOTTOM - size, 1),
                width=round(width, 1),
                height=round(size, 1),
                negative=Decimal(value) < 0,
            )
        )
    return BarChart(id=id, title=title, description=description, bars=bars)
