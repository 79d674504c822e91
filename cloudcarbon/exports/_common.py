"""What both exports share: the estimate they read, the factor set behind it, and the CSV writer."""

from __future__ import annotations

import calendar
import contextlib
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import polars as pl

from cloudcarbon._escape import safe_csv_cell, visible_controls
from cloudcarbon.config import Config
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.pipeline import estimate
from cloudcarbon.results import EstimateResult

__all__ = [
    "EXPORT_KEYS",
    "ExportOutputError",
    "estimate_for_export",
    "factors_of",
    "month_hours",
    "need_keys",
    "write_csv",
]

#: Per-row factor columns the exports need as keys of ``result.groups``.
EXPORT_KEYS = ("instance_key", "accelerator_model", "pue", "g_co2e_per_kwh", "grid_year", "grid_dataset")


class ExportOutputError(CloudCarbonError):
    """The export's output file cannot be written (exit code 2: a usage problem)."""

    exit_code = 2


def estimate_for_export(
    sources: Sequence[str | Path],
    month: str,
    *,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
) -> EstimateResult:
    """Estimate ``month`` with the factors used kept as group keys (:data:`EXPORT_KEYS`), as the exports
    need; the figures are those of a plain :func:`~cloudcarbon.pipeline.estimate`."""
    return estimate(
        sources, month, config=config, factor_set=factor_set, group_by=("provider",), keys=EXPORT_KEYS
    )


def need_keys(result: EstimateResult, what: str) -> pl.DataFrame:
    """``result.groups``, after checking it keeps the factor keys (else a clear error)."""
    missing = [k for k in EXPORT_KEYS if k not in result.groups.columns]
    if missing:
        raise CloudCarbonError(
            f"the {what} export needs the factors used per group ({', '.join(missing)} missing); make the "
            "result with cloudcarbon.exports.estimate_for_export or estimate(..., keys=EXPORT_KEYS)"
        )
    return result.groups


def factors_of(result: EstimateResult, factors: FactorSet | None) -> FactorSet:
    """The factor set ``result`` was computed with: ``factors`` if given, else the shipped version of that
    name; refused when its content hash is not the result's."""
    fs = factors if factors is not None else load_factor_set(result.factor_set.version)
    if fs.sha256 != result.factor_set.sha256:
        raise CloudCarbonError(
            f"factor set {fs.label} (sha256 {fs.sha256[:12]}) is not the one the estimate used "
            f"({result.factor_set.label}, sha256 {result.factor_set.sha256[:12]}); pass that set as factors="
        )
    return fs


def month_hours(month: str) -> float:
    """Hours in a calendar month ``YYYY-MM`` (744 for October)."""
    year, mon = int(month[:4]), int(month[5:7])
    return float(calendar.monthrange(year, mon)[1] * 24)


def _escaped(df: pl.DataFrame) -> pl.DataFrame:
    """Text cells as a spreadsheet and a terminal may show them: control characters as visible escapes,
    formula-leading text prefixed with ``'`` (numbers are not text and are left alone)."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        pl.col(c).map_elements(lambda v: safe_csv_cell(visible_controls(v)), return_dtype=pl.String)
        for c in text
    )


def to_csv_text(df: pl.DataFrame) -> str:
    """``df`` as CSV text (RFC 4180 quoting by polars), user text escaped."""
    buf = io.StringIO()
    _escaped(df).write_csv(buf)
    return buf.getvalue()


def write_csv(df: pl.DataFrame, out: Path | None, stream: TextIO | None = None) -> None:
    """Write ``df`` as CSV to ``out`` (through a temporary file in the same folder, renamed into place,
    so a failure leaves no partial file) or, when ``out`` is None, to ``stream``."""
    text = to_csv_text(df)
    if out is None:
        if stream is None:
            raise ValueError("write_csv needs a path or a stream")
        stream.write(text)
        return
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportOutputError(f"{out}: folder {folder} does not exist; create it or choose another --out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportOutputError(
            f"{out}: cannot write the export ({exc.strerror}); choose another --out"
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportOutputError(
            f"{out}: cannot write the export ({exc.strerror}); choose another --out"
        ) from exc
