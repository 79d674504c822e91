"""What a renderer is, and the helpers renderers share (reading only the result object)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Protocol, TextIO

import polars as pl

from cloudcarbon.results import EstimateResult

__all__ = [
    "Renderer",
    "TextRenderer",
    "cost",
    "mostly_fallback",
    "number",
    "records",
    "safe_text",
    "short_figure",
]


class Renderer(Protocol):
    """Turns an :class:`~cloudcarbon.results.EstimateResult` into one output format.

    A renderer reads only the result (never the factor set or the configuration files): everything it
    shows was recorded by the run.
    """

    #: format name (``--format NAME``)
    NAME: str
    #: file suffix for the format
    SUFFIX: str

    def render(self, result: EstimateResult) -> str:
        """The whole document as text."""
        ...

    def write(self, result: EstimateResult, stream: TextIO) -> None:
        """Write the document to ``stream`` (a terminal may get a richer form)."""
        ...


class TextRenderer:
    """Base for renderers whose output is the same text everywhere."""

    NAME = ""
    SUFFIX = ""

    def render(self, result: EstimateResult) -> str:
        raise NotImplementedError

    def write(self, result: EstimateResult, stream: TextIO) -> None:
        text = self.render(result)
        stream.write(text if text.endswith("\n") else text + "\n")


def short_figure(v: float | None) -> str:
    """A figure for a terminal table: thousands without decimals, units with one, small values with two
    significant digits; ``-`` for none."""
    if v is None:
        return "-"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.1f}"
    return f"{v:.2g}"


def cost(v: object) -> Decimal:
    """A cost as an exact decimal (0 for NULL)."""
    return v if isinstance(v, Decimal) else Decimal(0) if v is None else Decimal(str(v))


def number(v: Any) -> float | None:
    """A figure rounded to 10 significant digits (tiny values kept); NaN as None."""
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else float(f"{f:.10g}")


def records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts: costs as Decimal, figures rounded by :func:`number`."""
    out = []
    for row in df.iter_rows(named=True):
        rec: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, Decimal):
                rec[k] = cost(v)
            elif isinstance(v, float):
                rec[k] = number(v)
            else:
                rec[k] = v
        out.append(rec)
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(value: object) -> str:
    """User data for a terminal: control characters (ANSI escapes, NUL, ...) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def mostly_fallback(result: EstimateResult) -> list[dict[str, Any]]:
    """Currencies whose usage cost rests mostly on the cost-ratio fallback (``currency``,
    ``fallback_share``)."""
    cov = result.coverage
    if "mostly_fallback" not in cov.columns:
        return []
    return [
        {"currency": r["currency"], "fallback_share": float(r["fallback_share"])}
        for r in cov.filter(pl.col("mostly_fallback").fill_null(False)).iter_rows(named=True)
    ]
