"""Synthetic billing exports for tests, the shipped demo data and benchmarks (not installed with cloudcarbon).

Import as ``synth`` from ``scripts/`` (``python scripts/gen_cur.py``) or as ``scripts.synth`` from the
repository root (the tests).
"""

from __future__ import annotations

from .clouds import Export, generate_azure_month, generate_focus_month, generate_gcp_month, generate_inventory
from .cur import CUR2_COLUMNS, CUR2_SCHEMA, CurDelivery, generate_cur_month, legacy_to_snake

__all__ = [
    "CUR2_COLUMNS",
    "CUR2_SCHEMA",
    "CurDelivery",
    "Export",
    "generate_azure_month",
    "generate_cur_month",
    "generate_focus_month",
    "generate_gcp_month",
    "generate_inventory",
    "legacy_to_snake",
]
