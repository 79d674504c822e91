"""``--format csv``: the lines, one row per group and currency (costs as exact decimals).

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) are written with a leading ``'`` (OWASP's CSV-injection advice); numbers are not.
Control characters other than a tab (ANSI escapes, NUL, ...) are written as visible escapes such as
``\\x1b``: this output is read on terminals, where they would act.
"""

from __future__ import annotations

from typing import TextIO

import polars as pl

from cloudcarbon._escape import visible_controls
from cloudcarbon.reports.base import TextRenderer
from cloudcarbon.results import EstimateResult

__all__ = ["CsvRenderer", "neutralise", "to_csv"]

_LIVE = r"^[=+\-@\t\r]"


def neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """Text columns with formula-like cells prefixed by ``'``."""
    return df.with_columns(
        [
            pl.when(pl.col(c).str.contains(_LIVE)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
            for c, t in df.schema.items()
            if t == pl.String
        ]
    )


def _visible(df: pl.DataFrame) -> pl.DataFrame:
    """Text columns with control characters (but a tab) shown as ``\\xNN``."""
    return df.with_columns(
        [
            pl.col(c).map_elements(lambda v: visible_controls(v, keep="\t"), return_dtype=pl.String)
            for c, t in df.schema.items()
            if t == pl.String
        ]
    )


def to_csv(result: EstimateResult) -> str:
    """The lines as CSV (costs as exact decimals)."""
    df = _visible(neutralise(result.lines))
    cov = result.coverage
    if "mostly_fallback" in cov.columns:
        # per line, its currency's share of the usage cost on the cost-ratio fallback, and whether most is
        shares = cov.select("currency", "fallback_share", "mostly_fallback")
        df = df.join(shares, on="currency", how="left", nulls_equal=True)
    return df.with_columns(
        [pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, pl.Decimal)]
    ).write_csv()


class CsvRenderer(TextRenderer):
    NAME = "csv"
    SUFFIX = ".csv"

    def render(self, result: EstimateResult) -> str:
        return to_csv(result)

    def write(self, result: EstimateResult, stream: TextIO) -> None:
        stream.write(self.render(result))
