"""The result of an estimate, declared once: what renderers read and what a ledger would store.

:class:`EstimateResult` is built from the run itself: the figures of the method that ran, the
assumptions that method declares from the configuration actually used, the coverage per currency, and
the identity of every input (path, size, sha256) and of the factor set (version, sha256). Renderers
(:mod:`cloudcarbon.reports`) read only this object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.schema import FIGURES

__all__ = ["EstimateResult", "FactorSetInfo", "InputFile", "file_sha256", "totals_of"]


def totals_of(frame: pl.DataFrame) -> pl.DataFrame:
    """The one-row :attr:`EstimateResult.totals` of ``frame``: each figure of
    :data:`~cloudcarbon.schema.FIGURES` summed over its rows, as Float64; and, when ``frame`` has them,
    the market-based and water figures (NULL when no row has a factor), the share of the energy they
    cover and the reasons of the rows without (:func:`cloudcarbon.methods.market_water.summed`)."""
    from cloudcarbon.methods.market_water import summed

    return frame.select(*(pl.col(c).sum().cast(pl.Float64) for c in FIGURES), *summed(frame))


@dataclass(frozen=True)
class FactorSetInfo:
    """The factor set a result was computed with: its version, content hash and whether it is user-made
    (not a version shipped with cloudcarbon, so every output marks it)."""

    version: str
    sha256: str
    user_made: bool = False

    @property
    def label(self) -> str:
        """The version as shown to a reader: ``"acme-1 (user-made)"`` for a set not shipped."""
        return f"{self.version} (user-made)" if self.user_made else self.version


@dataclass(frozen=True)
class InputFile:
    """One file an estimate read: path as given, size in bytes, sha256 of its content."""

    path: str
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> InputFile:
        return cls(path=str(path), size=path.stat().st_size, sha256=file_sha256(path))


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class EstimateResult:
    """A month's estimate. All frames are polars; costs are exact decimals.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    group_by
        Keys of :attr:`lines`.
    method
        The estimation method that ran (``cloudcarbon`` or ``ccf``).
    factor_set
        Version and sha256 of the factor set used.
    sources
        The ``--source`` arguments as resolved (``provider:path``).
    lines
        One row per group (``group_by`` keys and ``currency``), with rows, cost (in that currency) and
        its split by fate, energy, CO2e, embodied and their bounds, band widths and the dominant band.
    totals
        One-row polars DataFrame: the sum of every figure (:data:`~cloudcarbon.schema.FIGURES`: energy,
        CO2e, embodied and their bounds) over all lines. kWh and kg do not depend on currency, so there
        is one row, never one per currency; costs are never added across currencies and their totals
        are in :attr:`coverage` (one row per currency). :meth:`total` gives one figure as a float.
    coverage
        Per currency: ``billed_cost`` and its split into ``estimated_cost``, ``fallback_cost`` and
        ``excluded_cost`` (which add up to the billed cost exactly), and ``rows``.
    excluded
        Rows and cost per exclusion reason (and currency).
    flags
        Rows estimated with a fallback or substituted factor: what, why, rows, cost.
    groups
        The fine-grained aggregate every other frame is derived from.
    assumptions
        What the method used, declared by the method from the configuration and factor set of this run
        (utilisation, bands, fallback basis), plus the fallback ratios this run computed.
    inputs
        Every input file: path, size, sha256.
    config
        The configuration used, as plain data.
    ai
        The AI lens: ``stages``, ``runs``, ``accelerators`` and, with ``[ai] requests``, ``requests``.
    detail
        Per-row figures, when ``detail=True`` was asked for.
    detail_path
        The file the per-row detail was streamed to, when ``detail_to`` was given.
    sharing
        With ``[[allocation.shared]]`` rules, one row per rule, receiver and currency: ``from_project``,
        ``to_project``, ``basis``, ``share`` of the shared cost and the rows, cost and figures given.
        ``lines`` and ``groups`` show the receivers' parts (``groups.shared_from`` names their origin).
    reconciliation
        With ``calibrate="provider"``: the :class:`cloudcarbon.reconcile.Reconciliation` of the estimate
        before scaling (our figures beside the providers'); ``groups`` and ``lines`` then carry a
        ``calibrated`` column and ``assumptions["calibration"]`` says what was scaled to what.
    """

    month: str
    group_by: tuple[str, ...]
    method: str
    factor_set: FactorSetInfo
    sources: tuple[str, ...]
    lines: pl.DataFrame
    totals: pl.DataFrame
    coverage: pl.DataFrame
    excluded: pl.DataFrame
    flags: pl.DataFrame
    groups: pl.DataFrame
    assumptions: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[InputFile, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    usage_period: tuple[Any, Any] = (None, None)
    ai: dict[str, pl.DataFrame] = field(default_factory=dict)
    fallback_kwh_per_cost: dict[str, float] = field(default_factory=dict)
    detail: pl.DataFrame | None = None
    detail_path: Path | None = None
    #: ``[[allocation.shared]]``: what each rule split, from which project to which (see cloudcarbon.sharing).
    sharing: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: ``calibrate="provider"``: the reconciliation the figures were calibrated with (cloudcarbon.reconcile).
    reconciliation: Any = None

    @property
    def calibrated(self) -> bool:
        """Whether the figures were scaled to a provider's own totals (``calibrate="provider"``)."""
        return "calibration" in self.assumptions

    def total(self, figure: str) -> float:
        """One figure of :attr:`totals` as a float, e.g. ``result.total("co2e_kg")``.

        Raises
        ------
        KeyError
            ``figure`` is not a column of :attr:`totals`; the message lists those that are.
        ValueError
            ``figure`` is a market-based or water figure with no factor (null); the message says why.
        """
        if figure not in self.totals.columns:
            raise KeyError(f"{figure!r} is not a total; choose from {', '.join(self.totals.columns)}")
        value = self.totals.item(0, figure)
        if value is None:
            why = self.totals.item(0, "market_reason" if figure.startswith("market") else "water_reason")
            raise ValueError(
                f"{figure} has no value ({why}); use total_or_none() for figures that may be null"
            )
        return float(value)

    def total_or_none(self, figure: str) -> float | None:
        """One figure of :attr:`totals`, or None when it is NULL (a market-based or water figure with no
        factor: :attr:`totals` then says why in ``market_reason`` / ``water_reason``) or absent (a result
        made before these figures existed)."""
        if figure not in self.totals.columns:
            return None
        value = self.totals.item(0, figure)
        return None if value is None else float(value)

    def to_pandas(self, frame: str = "lines") -> Any:
        """One of the result's frames as a pandas DataFrame.

        pandas is optional: ``pip install 'cloudcarbon[pandas]'``.

        Parameters
        ----------
        frame
            ``lines`` (default), ``totals``, ``coverage``, ``excluded``, ``flags``, ``groups`` or
            ``detail`` (when the estimate was run with ``detail=True``).

        Returns
        -------
        pandas.DataFrame
            Costs stay exact: :class:`~decimal.Decimal` objects in ``object`` columns (cast them with
            ``.astype(float)`` to compute with them approximately).

        Raises
        ------
        ImportError
            pandas is not installed; the message says how to install it.
        ValueError
            ``frame`` names no frame of this result.
        """
        try:
            import pandas  # noqa: F401  # only to give a helpful message when it is missing
        except ImportError:
            raise ImportError(
                "to_pandas() needs pandas, which cloudcarbon does not install: "
                "pip install 'cloudcarbon[pandas]' (the result's frames are polars DataFrames without it)"
            ) from None
        frames = ("lines", "totals", "coverage", "excluded", "flags", "groups", "detail")
        if frame not in frames:
            raise ValueError(f"{frame!r} is not a frame of the result; choose from {', '.join(frames)}")
        df = getattr(self, frame)
        if df is None:
            raise ValueError("the result has no detail: estimate with detail=True to get it")
        return df.to_pandas()

    @property
    def currencies(self) -> tuple[str, ...]:
        """Billing currencies of the result, sorted (coverage has one row each)."""
        return tuple(str(c) for c in self.coverage["currency"].to_list())

    def coverage_of(self, currency: str) -> dict[str, Any]:
        """One currency's coverage as a dict (costs as :class:`~decimal.Decimal`)."""
        for row in self.coverage.iter_rows(named=True):
            if row["currency"] == currency:
                return {k: (Decimal(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        raise KeyError(currency)
