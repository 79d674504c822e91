"""Rendering an estimate (kept for imports; the renderers are in :mod:`cloudcarbon.reports`)."""

from __future__ import annotations

from cloudcarbon.reports.csv import to_csv
from cloudcarbon.reports.json import to_json, to_json_dict
from cloudcarbon.reports.table import render_table

__all__ = ["render_table", "to_csv", "to_json", "to_json_dict"]
