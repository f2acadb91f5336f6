"""The geometry of the server-rendered SVG charts: the card's sparkline and the dashboard's
revenue bars. Templates draw the shapes and write the words; no JavaScript, no inline style
(the CSP allows neither): sizes are SVG attributes, colours come from app.css."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# The sparkline's drawing box; the SVG scales it to the card's width (preserveAspectRatio
# "none" with a non-scaling stroke, so the line keeps its thickness).
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 2
# The bar chart's drawing box (viewBox units), its bars' gap and the room kept above them.
BARS_WIDTH, BARS_HEIGHT = 600, 180


@dataclass(frozen=True)
class Sparkline:
    """A line through the daily figures and the area under it, as SVG ``points``."""

    line: str
    area: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


# The same 30 days are drawn request after request until the sync brings new figures.
@lru_cache(maxsize=4096)
def sparkline(values: tuple[int, ...]) -> Sparkline:
    """The sparkline of ``values`` (oldest first); all zero draws a flat line at the bottom."""
    count = len(values)
    top = max(values, default=0)
    step = SPARK_WIDTH / (count - 1) if count > 1 else 0
    span = SPARK_HEIGHT - 2 * SPARK_PAD
    points = [
        (
            round(i * step, 2),
            round(SPARK_HEIGHT - SPARK_PAD - (v / top * span if top > 0 else 0), 2),
        )
        for i, v in enumerate(values)
    ]
    line = " ".join(f"{x:g},{y:g}" for x, y in points)
    area = f"0,{SPARK_HEIGHT} {line} {SPARK_WIDTH},{SPARK_HEIGHT}" if points else ""
    return Sparkline(line, area)


@dataclass(frozen=True)
class Bar:
    """One bar: where it stands in the chart's box, and the figure it draws."""

    x: float
    y: float
    width: float
    height: float
    value: int


def bars(values: list[int]) -> list[Bar]:
    """Bars for ``values`` side by side across the chart's width, scaled to the highest."""
    count = len(values)
    if not count:
        return []
    slot = BARS_WIDTH / count
    gap = min(slot * 0.2, 6)
    top = max(max(values), 1)
    drawn = []
    for i, value in enumerate(values):
        height = max(value, 0) / top * BARS_HEIGHT
        drawn.append(
            Bar(
                x=round(i * slot + gap / 2, 2),
                y=round(BARS_HEIGHT - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                value=value,
            )
        )
    return drawn
