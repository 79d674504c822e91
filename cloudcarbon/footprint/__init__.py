"""The providers' own carbon figures (AWS ``CARBON_EMISSIONS`` export, Google Cloud Carbon Footprint
export, Azure Carbon Optimization reports), read into one table so that ``reconcile`` and
``--calibrate provider`` can set them beside cloudcarbon's estimate.

:data:`PROVIDER_FOOTPRINT` is the one declared schema every reader and every pull produces.
"""

from __future__ import annotations

from cloudcarbon.footprint.schema import FOOTPRINT_KEY, PROVIDER_FOOTPRINT, empty_footprint

__all__ = ["FOOTPRINT_KEY", "PROVIDER_FOOTPRINT", "empty_footprint"]
