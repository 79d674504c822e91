"""A user-supplied residual-mix table (``[market] residual_mix = "residual_mix.csv"``).

cloudcarbon ships no residual-mix values: the publishers (AIB, European Residual Mixes; Center for
Resource Solutions, Green-e Residual Mix Emissions Rates) grant no open licence to redistribute them.
A user who has obtained them writes one CSV, UTF-8, with exactly these columns::

    zone,year,g_co2e_per_kwh,source
    DE,2024,703.5,"AIB European Residual Mixes 2024 v1.0, Germany"
    SRVC,2023,301.2,"Green-e 2025 Residual Mix Emissions Rates (2023 data), SRVC, converted from lb/MWh"

* ``zone``: an ISO 3166 alpha-2 country (``DE``), a US eGRID subregion (``SRVC``) or an inventory
  ``location`` exactly as the inventory writes it (``US-CAL-CISO``). Cloud regions are matched through
  the factor set's ``grid_market_zones.csv`` (eGRID subregion first, then country).
* ``year``: the year the factor is for (the usage year is matched, else the latest earlier year, else
  the earliest later one, flagged ``year_substituted``).
* ``g_co2e_per_kwh``: grams CO2e (or CO2, as published) per kWh, a finite number >= 0.
* ``source``: the publication and edition the user took it from; it is shown with the figure.

A bad row stops the run with one line naming the file, the row (counted as in a spreadsheet: the header
is row 1), the column and what to do (:class:`~cloudcarbon.exceptions.ConfigError`, exit code 4).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from cloudcarbon.exceptions import ConfigError

__all__ = ["COLUMNS", "ResidualMixRow", "read_residual_mix"]

#: The columns of a residual-mix file, in this order.
COLUMNS = ("zone", "year", "g_co2e_per_kwh", "source")


@dataclass(frozen=True)
class ResidualMixRow:
    """One factor of a user's residual-mix file (``row`` is its row number in the file)."""

    zone: str
    year: int
    g_co2e_per_kwh: float
    source: str
    row: int


def _bad(path: Path, row: int, column: str, message: str) -> ConfigError:
    return ConfigError(path, f"row {row}, column {column!r}: {message}")


def read_residual_mix(path: str | Path) -> tuple[ResidualMixRow, ...]:
    """Read and validate a residual-mix file.

    Raises
    ------
    ConfigError
        The file cannot be read, is not UTF-8 CSV with the columns of :data:`COLUMNS`, or a row has an
        empty zone or source, a year that is not a whole number from 1990 to 2100, a factor that is not
        a finite number >= 0, or repeats a (zone, year) pair.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(p, "the residual-mix file is not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise ConfigError(
            p, f"cannot read the residual-mix file ({exc.strerror}); check [market] residual_mix"
        ) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        shown = ",".join(header) if header else "nothing"
        raise ConfigError(
            p,
            f"row 1: the header must be exactly {','.join(COLUMNS)}, found {shown!r}; "
            "see docs/method.md section 3.5 for the format",
        )
    rows: list[ResidualMixRow] = []
    seen: dict[tuple[str, int], int] = {}
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line, e.g. at the end of the file
        if len(cells) != len(COLUMNS):
            raise ConfigError(
                p,
                f"row {n}: has {len(cells)} cells, the header has {len(COLUMNS)}; "
                "quote a source that contains commas",
            )
        zone, year_text, g_text, source = (c.strip() for c in cells)
        if not zone:
            raise _bad(p, n, "zone", "is empty; give a country code (DE), eGRID subregion or location")
        try:
            year = int(year_text)
        except ValueError:
            raise _bad(p, n, "year", f"{year_text!r} is not a year; write it like 2024") from None
        if not 1990 <= year <= 2100:
            raise _bad(p, n, "year", f"{year} is outside 1990-2100; write the year the factor is for")
        try:
            g = float(g_text)
        except ValueError:
            raise _bad(
                p, n, "g_co2e_per_kwh", f"{g_text!r} is not a number; write grams per kWh like 412.5"
            ) from None
        if not math.isfinite(g) or g < 0:
            raise _bad(p, n, "g_co2e_per_kwh", f"{g_text!r} must be a finite number >= 0 (grams per kWh)")
        if not source:
            raise _bad(p, n, "source", "is empty; name the publication and edition the factor comes from")
        if (zone, year) in seen:
            raise _bad(
                p, n, "zone", f"{zone} {year} is already given on row {seen[zone, year]}; keep one of them"
            )
        seen[zone, year] = n
        rows.append(ResidualMixRow(zone=zone, year=year, g_co2e_per_kwh=g, source=source, row=n))
    if not rows:
        raise ConfigError(p, "the residual-mix file has a header but no rows; add rows or remove the setting")
    return tuple(rows)
