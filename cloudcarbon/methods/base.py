"""What a method is: per-row figures in the declared estimate schema, fallback ratios, assumptions.

A method is a plug-in (one package under :mod:`cloudcarbon.methods`, one entry in its registry). It
returns, for each classified usage row, the columns of :data:`cloudcarbon.schema.ESTIMATE_ROW`; for rows
it cannot model (``fate == "fallback"``) it sets ``fallback_basis`` and ``fallback_key`` and, after the
aggregation, supplies a ratio per key. The shared :func:`cloudcarbon.methods.fallback.apply_fallback`
turns basis x ratio into figures, on the aggregate and on the per-row detail alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet

__all__ = ["FallbackRatios", "Method", "ToLazy"]

ToLazy = Callable[[pl.DataFrame], nw.LazyFrame[Any]]


@dataclass(frozen=True)
class FallbackRatios:
    """kWh per unit of ``fallback_basis``, per ``fallback_key``, and the band applied to the result.

    Attributes
    ----------
    ratios
        ``fallback_key`` -> kWh per unit of basis. A fallback row whose key is missing gets 0 kWh.
    low, high
        Multipliers of the central fallback figure for its low and high bounds.
    basis
        What the basis is, in words (for the assumptions).
    """

    ratios: Mapping[str, float]
    low: float = 1.0
    high: float = 1.0
    basis: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)

    def table(self) -> pl.DataFrame:
        """The ratios as a two-column frame (``fallback_key``, ``_fallback_ratio``) for joining."""
        return pl.DataFrame(
            {"fallback_key": list(self.ratios), "_fallback_ratio": [float(v) for v in self.ratios.values()]},
            schema={"fallback_key": pl.String, "_fallback_ratio": pl.Float64},
        )


class Method(Protocol):
    """An estimation method (``--method NAME``)."""

    #: registry name
    NAME: str
    #: extra columns kept as keys of the aggregation (the method's fallback ratios may need them)
    EXTRA_KEYS: tuple[str, ...]
    #: extra per-row figures summed by the aggregation
    EXTRA_SUMS: tuple[str, ...]

    def rows(
        self, classified: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int, to_lazy: ToLazy
    ) -> nw.LazyFrame[Any]:
        """Per-row estimate: every column of :data:`~cloudcarbon.schema.ESTIMATE_ROW`, plus
        ``fallback_key`` and the method's ``EXTRA_KEYS`` / ``EXTRA_SUMS``."""
        ...

    def fallback_ratios(self, groups: pl.DataFrame, factors: FactorSet) -> FallbackRatios:
        """Ratios for the fallback rows, from the aggregated estimate (``groups``)."""
        ...

    def assumptions(self, factors: FactorSet, config: Config) -> dict[str, Any]:
        """What this method used, from the run's own inputs (factor set and configuration)."""
        ...
