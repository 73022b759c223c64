"""Small bar charts as plain numbers for a server-rendered SVG (the template draws rects; no inline styles)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    maximum: float


def bar_chart(points: list[tuple[str, float]], *, width: int = 280, height: int = 60, gap: float = 2) -> Chart:
    """Bars for (label, value) points, scaled so the largest fills the height (all zero: flat)."""
    maximum = max((v for _, v in points), default=0) or 0
    step = width / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        h = 0 if maximum <= 0 else round(height * value / maximum, 1)
        bars.append(
            Bar(
                x=round(i * step, 1),
                y=round(height - h, 1),
                width=round(step - gap, 1),
                height=h,
                label=label,
                value=value,
            )
        )
    return Chart(width=width, height=height, bars=bars, maximum=maximum)
