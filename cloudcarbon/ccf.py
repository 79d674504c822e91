"""``--method ccf`` (kept for imports; the code is in :mod:`cloudcarbon.methods.ccf`)."""

from __future__ import annotations

from cloudcarbon.methods.ccf import CCF_COMMIT, CcfMethod

__all__ = ["CCF_COMMIT", "CcfMethod"]
