"""A statement with no project, no baseline, no trend, no source still renders in every format."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path

import openpyxl

from cloudcarbon.statements import (
    BridgeLine,
    Comparison,
    Coverage,
    Header,
    Methodology,
    Money,
    Statement,
    Totals,
    Trend,
    TrendPoint,
    TrendSeries,
    ghg_mapping,
    render_html,
    render_markdown,
    render_xlsx,
)


def minimal(**extra: object) -> Statement:
    return Statement(
        header=Header("2026-01", "Org", "ccf", "2026.11", "00", "open"),
        totals=Totals(D(0), D(0), D(0), D(0), None, D(0), D(0), (Money("USD", D(0)),)),
        projects=(),
        coverage=(Coverage("USD", D(0), D(0), D(0), D(0)),),
        ghg=ghg_mapping(
            cloud_electricity_location_kg=D(0), cloud_electricity_market_kg=D(0), cloud_hardware_kg=D(0)
        ),
        methodology=Methodology(paragraphs=()),
        **extra,  # type: ignore[arg-type]
    )


def test_empty_sections(tmp_path: Path) -> None:
    st = minimal()
    md = render_markdown(st)
    assert "No restatement." in md and "No baseline set." in md and "No trend." in md
    doc = render_html(st)
    assert "<svg" not in doc and "No baseline set." in doc
    render_xlsx(st, tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert wb["Comparison"]["A3"].value == "No baseline set."
    assert wb["Trend"]["A3"].value == "No trend."


def test_degenerate_charts() -> None:
    # an unchanged baseline (no step), a single month, and all-zero figures still draw valid SVG
    st = minimal(
        comparison=Comparison("2025-12", "same factor set", (BridgeLine("p", D(0), (), D(0)),)),
        trend=Trend((TrendSeries("Total", (TrendPoint("2026-01", D(0)),), D(0)),)),
    )
    doc = render_html(st)
    charts = re.findall(r"<svg .*?</svg>", doc, flags=re.S)
    assert len(charts) == 2
    for c in charts:
        ET.fromstring(c)
    assert not re.search(r'="[^"]*(nan|inf)', doc, flags=re.I)  # no NaN/inf coordinates
