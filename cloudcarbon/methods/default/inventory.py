"""On-premises inventory rows: located by country or grid zone, not by a cloud region."""

from __future__ import annotations

import narwhals as nw

__all__ = ["grid_provider"]

PROVIDER = "inventory"
#: provider column of the grid table whose regions are countries / grid zones
LOCATION = "location"


def grid_provider() -> nw.Expr:
    """The grid table's provider a row's region is looked up under."""
    return (
        nw.when(nw.col("ProviderName") == PROVIDER).then(nw.lit(LOCATION)).otherwise(nw.col("ProviderName"))
    )
