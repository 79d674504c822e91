"""Monthly carbon statements: an engine-free data model and its renderers (markdown, HTML, XLSX).

The model (:mod:`cloudcarbon.statements.model`) holds exact decimals and checks what must reconcile;
renderers read only it::

    from cloudcarbon.statements import render_html, render_markdown, render_xlsx
"""

from __future__ import annotations

from cloudcarbon.statements.html import render_html
from cloudcarbon.statements.markdown import render_markdown
from cloudcarbon.statements.model import (
    BRIDGE_STEPS,
    STAGE_LABELS,
    BridgeLine,
    Comparison,
    Coverage,
    Exclusion,
    GhgLine,
    Header,
    Intensity,
    Methodology,
    Money,
    ProjectLine,
    ProviderReconciliation,
    ReconcileLine,
    Restatement,
    Source,
    Stage,
    Statement,
    Totals,
    Trend,
    TrendPoint,
    TrendSeries,
    ghg_mapping,
)
from cloudcarbon.statements.xlsx import SHEETS, render_xlsx

__all__ = [
    "BRIDGE_STEPS",
    "SHEETS",
    "STAGE_LABELS",
    "BridgeLine",
    "Comparison",
    "Coverage",
    "Exclusion",
    "GhgLine",
    "Header",
    "Intensity",
    "Methodology",
    "Money",
    "ProjectLine",
    "ProviderReconciliation",
    "ReconcileLine",
    "Restatement",
    "Source",
    "Stage",
    "Statement",
    "Totals",
    "Trend",
    "TrendPoint",
    "TrendSeries",
    "ghg_mapping",
    "render_html",
    "render_markdown",
    "render_xlsx",
]
