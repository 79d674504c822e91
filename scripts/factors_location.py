"""Factor rows for on-premises inventory: grid intensity by location and a default on-premises PUE.

Called by ``scripts/build_factors.py`` (``extend(ref, tables)``). Inventory rows (provider
``inventory``) are located by country or grid zone; the model joins their grid intensity on
provider ``location`` and region = the location code:

* ``grid`` (permissive): Ember yearly country averages, region = ISO 3166 alpha-2 code (``DE``),
  dataset ``ember``, CC-BY-4.0 (attribute Ember), from the reference ``grid/country_intensity.csv``.
* ``grid_odbl``: Electricity Maps yearly averages 2021-2025, dataset ``electricitymaps``, ODbL-1.0:
  country zones (region = ISO2, which is the Electricity Maps zone code of a whole country) from
  ``grid/country_intensity.csv`` and sub-national zones (region = zone code, ``US-CAL-CISO``) from
  ``grid/grid_zones.csv`` (its ``GA:`` Green Algorithms rows are not Electricity Maps data and are
  skipped).

No ``region = *`` (provider mean) rows are added: a location is always named by the inventory.

``pue``: one row (``inventory``, ``*``) = 1.58, the average annual PUE reported by the Uptime Institute
Global Data Center Survey 2023, used when an inventory entry gives no ``pue``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

PROVIDER = "location"
SURVEY_PUE = 1.58


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def extend(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    grid = ref / "grid"
    ember: dict[tuple[str, int], dict[str, Any]] = {}
    em: dict[tuple[str, int], dict[str, Any]] = {}
    for r in _read(grid / "country_intensity.csv"):
        year = _year(r["year"])
        iso2 = r["iso2"].strip().upper()
        # a zero lifecycle intensity is a gap in the source (no country grid is free of emissions)
        if year is None or len(iso2) != 2 or not r["gco2e_per_kwh"].strip() or float(r["gco2e_per_kwh"]) <= 0:
            continue
        base = {
            "provider": PROVIDER,
            "region": iso2,
            "year": year,
            "g_co2e_per_kwh": float(r["gco2e_per_kwh"]),
            "zone": iso2,
        }
        if r["source"].startswith("Ember Yearly Electricity Data"):
            ember.setdefault(
                (iso2, year),
                {
                    **base,
                    "dataset": "ember",
                    "basis": "lifecycle, country (Ember yearly average)",
                    "source": f"Ember yearly electricity data (attribute: Ember), {r['source_path']}; "
                    "Ember publishes under CC-BY-4.0 (co2.js README states CC-BY-SA-4.0 for its copy); "
                    f"country: {r['country']}",
                    "licence": "CC-BY-4.0",
                },
            )
        elif r["source"].startswith("Electricity Maps"):
            em.setdefault(
                (iso2, year),
                {
                    **base,
                    "dataset": "electricitymaps",
                    "basis": "lifecycle, country zone (Electricity Maps yearly average)",
                    "source": f"Electricity Maps yearly averages (attribute: Electricity Maps), "
                    f"{r['source_path']}; country: {r['country']}",
                    "licence": "ODbL-1.0",
                },
            )
    for r in _read(grid / "grid_zones.csv"):
        year = _year(r["year"])
        zone = r["zone"].strip()
        if year is None or zone.startswith("GA:") or not r["source"].startswith("Electricity Maps"):
            continue
        if float(r["gco2e_per_kwh"]) <= 0:  # a gap in the source, not a zero-emission grid
            continue
        em.setdefault(
            (zone, year),
            {
                "provider": PROVIDER,
                "region": zone,
                "year": year,
                "g_co2e_per_kwh": float(r["gco2e_per_kwh"]),
                "zone": zone,
                "dataset": "electricitymaps",
                "basis": "lifecycle, zone (Electricity Maps yearly average)",
                "source": f"Electricity Maps yearly averages (attribute: Electricity Maps), "
                f"{r['source_path']}; zone: {r['zone_name']}",
                "licence": "ODbL-1.0",
            },
        )
    tables["grid"].extend(ember[k] for k in sorted(ember))
    tables["grid_odbl"].extend(em[k] for k in sorted(em))
    tables["pue"].append(
        {
            "provider": "inventory",
            "region": "*",
            "pue": SURVEY_PUE,
            "source": "Uptime Institute Global Data Center Survey 2023 (Uptime Intelligence report, "
            "July 2023): industry-average annual PUE 1.58 for respondents' largest data centre; "
            "default for on-premises inventory entries that state no PUE (a single cited statistic)",
            "licence": "Apache-2.0",
        }
    )
