"""Market-based emissions and water: four tables of factor set 2026.12.1 (issue 9, section 2b).

Called by ``scripts/build_factors.py`` (``TABLES`` and ``tables(ref)``); reads the reference folder at
build time only (``grid/cloud_region_locations.csv``, ``water/water_factors.csv``,
``water/wcf_by_cloud_region.csv``, ``water/aws_pue_wue_by_geography.csv``). Every row cites the original
public source, never the reference folder.

* ``grid_market.csv``: per provider, whether this set holds a market-based emission factor for it and
  why not. No residual-mix values are shipped: the AIB European Residual Mixes and the Green-e Residual
  Mix Emissions Rates carry no open licence, so users supply them (``[market] residual_mix``). Google's
  carbon-free energy share (CFE%) is an hourly matching score, not an emission factor, and AWS and
  Azure publish market-based figures only in their own footprint exports (read by ``cloudcarbon
  reconcile --provider-footprint``).
* ``grid_market_zones.csv``: cloud region -> country (ISO 3166 alpha-2) and, for US regions, eGRID
  subregion: the keys a user's residual-mix table is matched on.
* ``water_wue.csv``: on-site water usage effectiveness (L per IT kWh) per provider and region, with a
  band: a region's own published figure has none of its own; a geography or fleet figure standing in for
  a region takes the range of the provider's published per-region (AWS) or per-year (Microsoft) values.
* ``water_electricity.csv``: water consumed to generate a kWh of electricity (L/kWh), per cloud region
  (WRI guidance appendices as mapped per AWS/Azure region by DigitalPebble/spruce); GCP regions and
  inventory countries take the value of the AWS/Azure regions in the same country (outside the US) or
  eGRID subregion (US) when those all agree.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import Any


def _field(name: str, type_: str, description: str, unit: str | None = None) -> dict[str, str]:
    f = {"name": name, "type": type_}
    if unit:
        f["unit"] = unit
    f["description"] = description
    return f


SRC = _field("source", "string", "where the figure comes from (repository@commit:path, URL, document)")
LIC = _field("licence", "string", "licence of the figure (SPDX id where one exists)")

AWS_PAGE = "https://sustainability.aboutamazon.com/products-services/aws-cloud#increasing-efficiency"
MS_PAGE = "https://datacenters.microsoft.com/sustainability/efficiency/"
WRI = (
    "World Resources Institute, Guidance for calculating water use embedded in purchased electricity, "
    "appendices 1-7 (https://files.wri.org/d8/s3fs-public/guidance-calculating-water-use-embedded-"
    "purchased-electricity-appendices-1-to-7.xlsx)"
)
SPRUCE_WCF = "github:DigitalPebble/spruce@8840d3c:src/main/resources/wcf.csv"
SPRUCE_GEO = "github:DigitalPebble/spruce@8840d3c:src/main/resources/aws-pue-wue.csv"
REGION_PAGES = (
    "region -> country and eGRID subregion: provider region pages (as cited in Boavizta API regions.csv, "
    "Green Algorithms cloudProviders_datacenters.csv and Cloud Carbon Footprint *Regions.ts); eGRID "
    "subregion from the data centre's state and utility on the EPA eGRID subregion map "
    "(https://www.epa.gov/egrid/power-profiler)"
)

TABLES: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "grid_market.csv": (
        [
            _field("provider", "string", "aws / gcp / azure / location (inventory)"),
            _field("status", "string", "what market-based factor this set ships: none, or user_supplied"),
            _field("reason", "string", "why (shown with every null market-based figure of the provider)"),
            SRC,
            LIC,
        ],
        ["provider"],
    ),
    "grid_market_zones.csv": (
        [
            _field("provider", "string", "aws / gcp / azure"),
            _field("region", "string", "cloud region"),
            _field("country", "string", "ISO 3166 alpha-2 country of the region's data centres"),
            _field("egrid_subregion", "string", "US eGRID subregion (US regions only)"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
    "water_wue.csv": (
        [
            _field("provider", "string", "aws / azure; region * = the provider's fleet figure"),
            _field("region", "string", "cloud region, or *"),
            _field("year", "integer", "year the figure is for"),
            _field("wue_l_per_kwh", "number", "on-site water per IT kWh (WUE)", "L/kWh"),
            _field("wue_l_per_kwh_low", "number", "low end", "L/kWh"),
            _field("wue_l_per_kwh_high", "number", "high end", "L/kWh"),
            _field("basis", "string", "region (its own figure), geography or provider_global (stand-in)"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
    "water_electricity.csv": (
        [
            _field("provider", "string", "aws / gcp / azure / location (inventory countries)"),
            _field("region", "string", "cloud region or ISO 3166 alpha-2 country"),
            _field("l_per_kwh", "number", "water consumed generating one kWh of electricity", "L/kWh"),
            _field("zone", "string", "country or US eGRID subregion the figure is for"),
            _field("basis", "string", "region (as mapped by the source) or zone (shared by its regions)"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _zone(loc: dict[str, str]) -> str:
    return loc["egrid_subregion"] if loc["country_iso2"] == "US" else loc["country_iso2"]


def _market() -> list[dict[str, Any]]:
    export = (
        "publishes market-based figures only in its own carbon footprint export (read them with "
        "`cloudcarbon reconcile --provider-footprint`); no market-based factor per region is published "
        "for reuse, and no "
        "residual mix is shipped (AIB and Green-e grant no open licence): supply one with "
        "[market] residual_mix"
    )
    return [
        {
            "provider": "aws",
            "status": "none",
            "reason": f"AWS {export}",
            "source": "AWS Customer Carbon Footprint Tool (https://aws.amazon.com/aws-cost-management/"
            "aws-customer-carbon-footprint-tool/); cloudcarbon docs/method.md section 3.5",
            "licence": "Apache-2.0",
        },
        {
            "provider": "azure",
            "status": "none",
            "reason": f"Microsoft {export}",
            "source": "Microsoft Emissions Impact Dashboard / Azure carbon optimization "
            "(https://learn.microsoft.com/en-us/azure/carbon-optimization/); cloudcarbon docs/method.md "
            "section 3.5",
            "licence": "Apache-2.0",
        },
        {
            "provider": "gcp",
            "status": "none",
            "reason": "Google's carbon-free energy share (CFE%) is an hourly matching score, not a "
            "market-based emission factor, and is not used as one; no residual mix is shipped (AIB and "
            "Green-e grant no open licence): supply one with [market] residual_mix",
            "source": "github:GoogleCloudPlatform/region-carbon-info (Apache-2.0); GHG Protocol Scope 2 "
            "Guidance (2015) chapter 6, market-based method quality criteria; cloudcarbon docs/method.md "
            "section 3.5",
            "licence": "Apache-2.0",
        },
        {
            "provider": "location",
            "status": "user_supplied",
            "reason": "inventory sites: declare contractual instruments ([[market.instruments]]) and a "
            "residual mix ([market] residual_mix); none is shipped (AIB and Green-e grant no open licence)",
            "source": "GHG Protocol Scope 2 Guidance (2015) chapters 6-7; AIB European Residual Mixes "
            "(https://www.aib-net.org/facts/european-residual-mix); Green-e Residual Mix Emissions Rates "
            "(https://www.green-e.org/residual-mix); cloudcarbon docs/method.md section 3.5",
            "licence": "Apache-2.0",
        },
    ]


def _wue(ref: Path, regions: list[dict[str, str]]) -> list[dict[str, Any]]:
    facts = [r for r in _read(ref / "water" / "water_factors.csv") if r["category"] == "datacentre_WUE"]
    aws_region = {
        r["region_or_site"].split()[0]: float(r["value_l_per_kwh"])
        for r in facts
        if r["provider_or_tech"] == "AWS" and r["scope"] == "aws region" and r["year"] == "2024"
    }
    aws_global = next(
        float(r["value_l_per_kwh"])
        for r in facts
        if r["provider_or_tech"] == "AWS" and r["scope"] == "global" and r["year"] == "2024"
    )
    ms = [float(r["value_l_per_kwh"]) for r in facts if r["provider_or_tech"] == "Microsoft"]
    ms_latest = next(
        float(r["value_l_per_kwh"])
        for r in facts
        if r["provider_or_tech"] == "Microsoft" and r["year"] == "2025"
    )
    # geography patterns with a WUE (spruce's aws-pue-wue.csv, AWS's published figures); a region row
    # of that file is more specific than a pattern and is already in aws_region
    geo = [
        (r["RegionID"], float(r["WUE"]), r["# Geography"])
        for r in _read_geo(ref / "water" / "aws_pue_wue_by_geography.csv")
        if r["WUE"].strip() and r["RegionID"].endswith(".+")
    ]
    lo_all, hi_all = min(aws_region.values()), max(aws_region.values())
    aws_src = f"AWS sustainability page, WUE 2024 ({AWS_PAGE})"
    aws_lic = "AWS web content; figures are facts, cited"
    out: list[dict[str, Any]] = [
        {
            "provider": "aws",
            "region": "*",
            "year": 2024,
            "wue_l_per_kwh": aws_global,
            "wue_l_per_kwh_low": lo_all,
            "wue_l_per_kwh_high": hi_all,
            "basis": "provider_global",
            "source": f"{aws_src}: global; band = range of AWS's published per-region values",
            "licence": aws_lic,
        },
        {
            "provider": "azure",
            "region": "*",
            "year": 2025,
            "wue_l_per_kwh": ms_latest,
            "wue_l_per_kwh_low": min(ms),
            "wue_l_per_kwh_high": max(ms),
            "basis": "provider_global",
            "source": f"Microsoft datacenter efficiency, fleet WUE 2025 ({MS_PAGE}); band = range of "
            "Microsoft's published fleet values FY2021-2025 (no per-region values published for reuse)",
            "licence": "Microsoft web content; figures are facts, cited",
        },
    ]
    for loc in regions:
        if loc["provider"] != "aws":
            continue
        region = loc["region"]
        if region in aws_region:
            v = aws_region[region]
            out.append(
                {
                    "provider": "aws",
                    "region": region,
                    "year": 2024,
                    "wue_l_per_kwh": v,
                    "wue_l_per_kwh_low": v,
                    "wue_l_per_kwh_high": v,
                    "basis": "region",
                    "source": f"{aws_src}: {region}",
                    "licence": aws_lic,
                }
            )
            continue
        for pattern, value, name in geo:
            if re.fullmatch(pattern, region):
                peers = [v for r, v in aws_region.items() if re.fullmatch(pattern, r)] + [value]
                out.append(
                    {
                        "provider": "aws",
                        "region": region,
                        "year": 2024,
                        "wue_l_per_kwh": value,
                        "wue_l_per_kwh_low": min(peers),
                        "wue_l_per_kwh_high": max(peers),
                        "basis": "geography",
                        "source": f"{aws_src}: geography {name}, as mapped to region ids in {SPRUCE_GEO}; "
                        "band = range of AWS's per-region values in that geography",
                        "licence": f"{aws_lic}; mapping Apache-2.0",
                    }
                )
                break
    return out


def _read_geo(path: Path) -> list[dict[str, str]]:
    # the file's header line starts with '#'
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _electricity(ref: Path, regions: list[dict[str, str]]) -> list[dict[str, Any]]:
    loc = {(r["provider"], r["region"]): r for r in regions}
    wcf = _read(ref / "water" / "wcf_by_cloud_region.csv")
    out: list[dict[str, Any]] = []
    by_zone: dict[str, set[float]] = defaultdict(set)
    src = f"{WRI}, as mapped per region in {SPRUCE_WCF}"
    for r in wcf:
        where = loc.get((r["provider"], r["region"]))
        zone = _zone(where) if where else ""
        value = float(r["wcf"])
        out.append(
            {
                "provider": r["provider"],
                "region": r["region"],
                "l_per_kwh": value,
                "zone": zone,
                "basis": "region",
                "source": src,
                "licence": "Apache-2.0 (mapping); WRI figures cited",
            }
        )
        if zone:
            by_zone[zone].add(round(value, 6))
    agreed = {z: next(iter(v)) for z, v in by_zone.items() if len(v) == 1}
    have = {(r["provider"], r["region"]) for r in out}
    derived = f"{src}: the value every AWS/Azure region in the same zone carries"
    for r in regions:
        key = (r["provider"], r["region"])
        if r["provider"] not in ("aws", "azure", "gcp") or key in have:
            continue
        zone = _zone(r)
        if zone in agreed:
            out.append(
                {
                    "provider": r["provider"],
                    "region": r["region"],
                    "l_per_kwh": agreed[zone],
                    "zone": zone,
                    "basis": "zone",
                    "source": f"{derived}; {REGION_PAGES}",
                    "licence": "Apache-2.0 (mapping); WRI figures cited",
                }
            )
    # inventory sites located by country (WRI's appendices are per country outside the US)
    for zone, value in sorted(agreed.items()):
        if len(zone) == 2 and zone.isalpha() and zone.isupper():
            out.append(
                {
                    "provider": "location",
                    "region": zone,
                    "l_per_kwh": value,
                    "zone": zone,
                    "basis": "zone",
                    "source": derived,
                    "licence": "Apache-2.0 (mapping); WRI figures cited",
                }
            )
    out.sort(key=lambda r: (r["provider"], r["region"]))
    return out


def tables(ref: Path) -> dict[str, list[dict[str, Any]]]:
    regions = [
        r
        for r in _read(ref / "grid" / "cloud_region_locations.csv")
        if r["provider"] in ("aws", "gcp", "azure")
    ]
    zones = [
        {
            "provider": r["provider"],
            "region": r["region"],
            "country": r["country_iso2"],
            "egrid_subregion": r["egrid_subregion"] if r["country_iso2"] == "US" else "",
            "source": REGION_PAGES,
            "licence": "facts (mapping), cited",
        }
        for r in regions
    ]
    zones.sort(key=lambda r: (r["provider"], r["region"]))
    wue = _wue(ref, regions)
    wue.sort(key=lambda r: (r["provider"], r["region"]))
    return {
        "grid_market.csv": _market(),
        "grid_market_zones.csv": zones,
        "water_wue.csv": wue,
        "water_electricity.csv": _electricity(ref, regions),
    }
