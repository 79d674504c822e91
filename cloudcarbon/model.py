"""The default method's model (kept for imports; the code is in :mod:`cloudcarbon.methods.default`)."""

from __future__ import annotations

from cloudcarbon.methods.default import ModelInputs, classify, estimate_rows

__all__ = ["ModelInputs", "classify", "estimate_rows"]
