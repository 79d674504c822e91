"""The providers' own carbon figures (AWS ``CARBON_EMISSIONS`` export, Google Cloud Carbon Footprint
export, Azure Carbon Optimization reports), read into one table so that ``reconcile`` and
``--calibrate provider`` can set them beside cloudcarbon's estimate.

:data:`PROVIDER_FOOTPRINT` is the one declared schema every reader and every pull produces;
:func:`read_footprints` reads files and folders of any of the three into it (docs/provider-footprints.md).
"""

from __future__ import annotations

from cloudcarbon.footprint.schema import FOOTPRINT_KEY, PROVIDER_FOOTPRINT, empty_footprint

__all__ = ["FOOTPRINT_KEY", "PROVIDER_FOOTPRINT", "ProviderFootprint", "empty_footprint", "read_footprints"]


def __getattr__(name: str) -> object:
    # the readers import this package's schema: loaded on first use, not on import
    if name in ("ProviderFootprint", "read_footprints"):
        from cloudcarbon.footprint import read

        return getattr(read, name)
    raise AttributeError(name)
