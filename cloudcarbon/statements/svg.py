"""Charts as inline SVG text, drawn in Python (no script, no external resource).

Every piece of text placed in a chart goes through :func:`cloudcarbon._escape.safe_html`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cloudcarbon._escape import safe_html

__all__ = ["bar_chart", "line_chart", "waterfall_chart"]

PALETTE = ("#1f5f8b", "#d9822b", "#3a8f5c", "#8e44ad", "#c0392b", "#5d6d7e", "#b7950b", "#17a589")
UP, DOWN, TOTAL = "#c0392b", "#3a8f5c", "#1f5f8b"
_FONT = 'font-family="sans-serif" font-size="12"'


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _fmt(v: float) -> str:
    return f"{v:,.1f}" if abs(v) < 1e6 else f"{v:,.0f}"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for step in (1, 2, 2.5, 5, 10):
        if step * mag >= v:
            return float(step * mag)
    return float(10 * mag)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    t = safe_html(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{t}</title>" + "".join(body) + "</svg>"
    )


def _short(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    baseline: float | None = None,
    title: str = "Trend",
    unit: str = "kg CO2e",
) -> str:
    """Lines over ``labels`` (months); ``None`` leaves a gap; ``baseline`` a dashed reference line."""
    width, height, left, right, top, bottom = 760, 320, 80, 180, 20, 50
    values = [v for _, vs in series for v in vs if v is not None]
    top_v = _nice_max(max([*values, baseline if baseline is not None else 0.0, 0.0]))
    low_v = min([*values, 0.0])
    span = top_v - low_v or 1.0
    pw, ph = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (pw * i / (len(labels) - 1) if len(labels) > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph * (top_v - v) / span

    body = [f'<g {_FONT} fill="#333">']
    for k in range(5):
        tick = low_v + span * k / 4
        body.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{_n(y(tick) + 4)}" text-anchor="end">{safe_html(_fmt(tick))}</text>'
        )
    body.append(
        f'<text x="12" y="{top + ph / 2}" transform="rotate(-90 12 {top + ph / 2})" '
        f'text-anchor="middle">{safe_html(unit)}</text>'
    )
    step = max(1, math.ceil(len(labels) / 12))
    for i, lab in enumerate(labels):
        if i % step == 0:
            body.append(
                f'<text x="{_n(x(i))}" y="{top + ph + 18}" text-anchor="middle">{safe_html(lab)}</text>'
            )
    if baseline is not None:
        body.append(
            f'<line class="baseline" x1="{left}" x2="{left + pw}" y1="{_n(y(baseline))}" '
            f'y2="{_n(y(baseline))}" stroke="#555" stroke-dasharray="6 4"/>'
            f'<text x="{left + pw + 6}" y="{_n(y(baseline) + 4)}">baseline {safe_html(_fmt(baseline))}</text>'
        )
    for s, (name, vs) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        d, pen = [], "M"
        for i, v in enumerate(vs):
            if v is None:
                pen = "M"
                continue
            d.append(f"{pen}{_n(x(i))} {_n(y(v))}")
            pen = "L"
            body.append(
                f'<circle cx="{_n(x(i))}" cy="{_n(y(v))}" r="3" fill="{color}">'
                f"<title>{safe_html(name)} {safe_html(labels[i])}: {safe_html(_fmt(v))}</title></circle>"
            )
        if d:
            body.append(
                f'<path class="series" d="{" ".join(d)}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        ly = top + 14 + 18 * s
        body.append(
            f'<rect x="{left + pw + 10}" y="{ly - 9}" width="12" height="12" fill="{color}"/>'
            f'<text x="{left + pw + 28}" y="{ly + 1}"><title>{safe_html(name)}</title>'
            f"{safe_html(_short(name, 22))}</text>"
        )
    body.append("</g>")
    return _svg(width, height, title, body)


def _rows_chart(
    title: str, rows: list[tuple[str, float, float, str, str]], lo: float, hi: float, unit: str
) -> str:
    """Horizontal bars: (label, start, end, colour, value text) per row."""
    left, right, top, row_h = 250, 110, 10, 26
    width = 760
    height = top + row_h * len(rows) + 30
    pw = width - left - right
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return left + pw * (v - lo) / span

    body = [f'<g {_FONT} fill="#333">']
    body.append(
        f'<line x1="{_n(x(0))}" x2="{_n(x(0))}" y1="{top}" y2="{top + row_h * len(rows)}" stroke="#999"/>'
    )
    for i, (label, a, b, color, text) in enumerate(rows):
        y0 = top + row_h * i
        x0, x1 = sorted((x(a), x(b)))
        body.append(
            f'<text x="{left - 8}" y="{y0 + 17}" text-anchor="end"><title>{safe_html(label)}</title>'
            f"{safe_html(_short(label))}</text>"
            f'<rect x="{_n(x0)}" y="{y0 + 5}" width="{_n(max(x1 - x0, 0.5))}" height="{row_h - 10}" '
            f'fill="{color}"><title>{safe_html(label)}: {safe_html(text)}</title></rect>'
            f'<text x="{_n(max(x0, x1) + 6)}" y="{y0 + 17}">{safe_html(text)}</text>'
        )
    body.append(
        f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">{safe_html(unit)}</text></g>'
    )
    return _svg(width, height, title, body)


def waterfall_chart(
    start: tuple[str, float],
    steps: Sequence[tuple[str, float]],
    end: tuple[str, float],
    *,
    title: str = "Variance bridge",
    unit: str = "kg CO2e",
) -> str:
    """A waterfall: the ``start`` total, each step floating from the running total, the ``end`` total."""
    rows: list[tuple[str, float, float, str, str]] = [(start[0], 0.0, start[1], TOTAL, _fmt(start[1]))]
    running = start[1]
    for label, delta in steps:
        sign = "+" if delta > 0 else ""
        rows.append((label, running, running + delta, UP if delta > 0 else DOWN, sign + _fmt(delta)))
        running += delta
    rows.append((end[0], 0.0, end[1], TOTAL, _fmt(end[1])))
    points = [v for r in rows for v in (r[1], r[2])]
    return _rows_chart(title, rows, min(0.0, *points), max(0.0, *points), unit)


def bar_chart(
    items: Sequence[tuple[str, Sequence[float]]],
    *,
    segments: Sequence[str] = ("value",),
    title: str = "Per project",
    unit: str = "kg CO2e",
) -> str:
    """Horizontal stacked bars (one colour per segment), one bar per item."""
    width_total = max([sum(v) for _, v in items] + [0.0])
    svg_rows: list[tuple[str, list[tuple[float, float, str]], str]] = []
    for label, values in items:
        segs, pos = [], 0.0
        for k, v in enumerate(values):
            segs.append((pos, pos + v, PALETTE[k % len(PALETTE)]))
            pos += v
        svg_rows.append((label, segs, _fmt(pos)))
    left, right, top, row_h, width = 250, 110, 34, 26, 760
    height = top + row_h * len(svg_rows) + 30
    pw = width - left - right
    hi = _nice_max(width_total)

    def x(v: float) -> float:
        return left + pw * v / hi

    body = [f'<g {_FONT} fill="#333">']
    for k, seg in enumerate(segments):
        body.append(
            f'<rect x="{left + 150 * k}" y="8" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{left + 150 * k + 18}" y="18">{safe_html(seg)}</text>'
        )
    for i, (label, segs, text) in enumerate(svg_rows):
        y0 = top + row_h * i
        body.append(
            f'<text x="{left - 8}" y="{y0 + 17}" text-anchor="end"><title>{safe_html(label)}</title>'
            f"{safe_html(_short(label))}</text>"
        )
        for k, (a, b, color) in enumerate(segs):
            body.append(
                f'<rect x="{_n(x(a))}" y="{y0 + 5}" width="{_n(max(x(b) - x(a), 0.0))}" '
                f'height="{row_h - 10}" '
                f'fill="{color}"><title>{safe_html(label)} {safe_html(segments[k % len(segments)])}: '
                f"{safe_html(_fmt(b - a))}</title></rect>"
            )
        end = x(segs[-1][1]) if segs else left
        body.append(f'<text x="{_n(end + 6)}" y="{y0 + 17}">{safe_html(text)}</text>')
    body.append(
        f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">{safe_html(unit)}</text></g>'
    )
    return _svg(width, height, title, body)
