"""A straightforward pandas version of ``cloudcarbon estimate`` for one CUR 2.0 Parquet file.

This is the comparison point of ``scripts/bench.py``: what a careful analyst would write in pandas
without an engine. It reads the raw columns the estimate needs with :func:`pandas.read_parquet`,
classifies usage types with the rules of ``factors/<set>/aws_usage_types.csv`` in priority order
(``str.contains`` on each distinct service / usage type pair, merged back), merges the instance power
table of the same factor set, computes CPU / memory / GPU / storage / network kWh, applies PUE and the
grid intensity of the usage year and groups by project. Fallback rows (unmodelled usage, unit
mismatches, unknown instances) get their energy from the kWh per dollar of the estimated rows, as in
cloudcarbon. Embodied emissions and the low / high bounds are not computed.

It is not a second implementation to maintain: it only has to do comparable work and land within a
few percent of cloudcarbon's CO2e total, which ``scripts/bench.py`` checks.

Usage::

    python scripts/bench_pandas.py bench-data/cur-1000000.parquet [--month 2026-10]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import cloudcarbon
from cloudcarbon.config import config_from_mapping

COLUMNS = [
    "bill_billing_entity",
    "bill_billing_period_start_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_availability_zone",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_currency_code",
    "pricing_unit",
    "product_servicecode",
    "product_region_code",
    "product_instance_type",
    "product",
    "resource_tags",
]
USAGE_LINE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
REGION_PREFIX = r"^(?:[A-Z]{3}[0-9]|[A-Z]{2})-"
# billing unit -> unit name of the rules (used when the factor set has no ``units`` table)
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "hours": ("Hrs", "Hours", "hours", "Hour", "hour", "Hrs.", "hrs"),
    "gb_month": ("GB-Mo", "GB-Month", "GB-month", "GB-Mp", "GB-Months", "GiB-Mo"),
    "gb_hours": ("GB-Hours", "GB-Hrs", "GB-Hr", "GB-Hour", "GBHours", "GB-hours"),
    "gb_seconds": ("Lambda-GB-Second", "GB-Seconds", "GB-Second", "Lambda-GB-Second-ARM"),
    "vcpu_hours": ("vCPU-Hours", "vCPU-Hrs", "vCPU-Hour", "vCPU-hours"),
    "gb": ("GB", "GigaBytes", "Gigabytes", "GiB"),
}
INSTANCE_IN_USAGE_TYPE = r":(?:db\.|ml\.|cache\.)?([a-z][a-z0-9-]*\.[0-9a-z-]+)(?:\.search|\.elasticsearch)?$"


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    return s.mask(s == "")


def _map_get(col: pd.Series, *keys: str) -> pd.Series:
    """Value of the first present key of a Parquet MAP column (read by pandas as lists of pairs)."""

    def get(pairs: Any) -> Any:
        if pairs is None or len(pairs) == 0:
            return None
        d = dict(pairs)
        for k in keys:
            v = d.get(k)
            if v:
                return v
        return None

    return col.map(get)


def _classify(pairs: pd.DataFrame, rules: pd.DataFrame) -> pd.Series:
    """rule_id of each (service, usage type) pair: first rule in priority order that matches."""
    core = pairs["usage_type"].fillna("").str.replace(REGION_PREFIX, "", regex=True)
    rule_id = pd.Series(pd.NA, index=pairs.index, dtype=object)
    for r in rules.sort_values("priority").itertuples():
        with warnings.catch_warnings():  # "has match groups": we only want a match, not the groups
            warnings.simplefilter("ignore", UserWarning)
            hit = core.str.contains(r.usage_type_regex, regex=True)
        if isinstance(r.product_code, str) and r.product_code:
            hit &= pairs["ServiceName"] == r.product_code
        rule_id = rule_id.mask(rule_id.isna() & hit, r.rule_id)
    return rule_id


def estimate(path: Path, month: str) -> dict[str, Any]:
    cfg = config_from_mapping({"projects": {"rules": [{"tag": "user:project"}]}})
    fs = cloudcarbon.load_factor_set("2026.11")
    coef = fs.coefficient
    year = int(month[:4])

    df = pd.read_parquet(path, columns=COLUMNS)
    df = df[df["bill_billing_period_start_date"].dt.strftime("%Y-%m") == month]
    n_rows = len(df)

    # --- canonical columns ---------------------------------------------------------------------
    out = pd.DataFrame(index=df.index)
    out["ServiceName"] = _blank_to_na(df["line_item_product_code"]).fillna(
        _blank_to_na(df["product_servicecode"])
    )
    az_region = df["line_item_availability_zone"].str.extract(r"^([a-z]+(?:-[a-z]+)+-[0-9]+)[a-z]$")[0]
    out["RegionId"] = _blank_to_na(df["product_region_code"]).fillna(az_region)
    out["usage_type"] = _blank_to_na(df["line_item_usage_type"])
    inst = _blank_to_na(df["product_instance_type"])
    inst = inst.str.replace(r"^(db|ml|cache)\.", "", regex=True).str.replace(
        r"\.(search|elasticsearch)$", "", regex=True
    )
    out["instance_type"] = inst.fillna(out["usage_type"].str.extract(INSTANCE_IN_USAGE_TYPE)[0])
    lit = _blank_to_na(df["line_item_line_item_type"]).fillna("Usage")
    out["is_usage"] = lit.isin(USAGE_LINE_TYPES) & (df["bill_billing_entity"] != "AWS Marketplace")
    out["q"] = df["line_item_usage_amount"].astype("float64").fillna(0.0)
    out["cost"] = df["line_item_unblended_cost"].astype("float64").fillna(0.0)
    out["unit"] = _blank_to_na(df["pricing_unit"])
    out["vcpu_hint"] = pd.to_numeric(_map_get(df["product"], "vcpu"), errors="coerce")
    mem = _map_get(df["product"], "memory").astype("str").str.extract(r"([0-9]+(?:\.[0-9]+)?)")[0]
    out["memory_gb_hint"] = pd.to_numeric(mem, errors="coerce")
    project = _map_get(df["resource_tags"], "user:project", "user_project")
    out["project"] = project.fillna("(unallocated)")
    start = df["bill_billing_period_start_date"].dt.tz_convert("UTC").dt.tz_localize(None)
    period_hours = ((start + pd.DateOffset(months=1)) - start).dt.total_seconds() / 3600.0
    del df

    # --- classification on distinct (service, usage type) pairs ---------------------------------
    rules = fs.table("aws_usage_types").to_pandas()
    usage = out[out["is_usage"]]
    pairs = usage[["ServiceName", "usage_type"]].drop_duplicates().reset_index(drop=True)
    pairs["rule_id"] = _classify(pairs, rules)
    pairs["usage_type_core"] = pairs["usage_type"].fillna("").str.replace(REGION_PREFIX, "", regex=True)
    out = out.merge(pairs, on=["ServiceName", "usage_type"], how="left")
    out.loc[~out["is_usage"], "rule_id"] = pd.NA
    out = out.merge(
        rules[["rule_id", "usage_class", "quantity_unit", "replication_factor"]], on="rule_id", how="left"
    )
    out["usage_class"] = out["usage_class"].where(out["is_usage"], "excluded").fillna("unmodelled")
    out["replication_factor"] = out["replication_factor"].astype("float64").fillna(1.0)
    out["quantity_unit"] = out["quantity_unit"].fillna("any")
    try:
        units = fs.units().to_pandas()
        alias = dict(zip(units["unit"], units["canonical_unit"], strict=True))
    except (AttributeError, KeyError):
        alias = {a: name for name, aliases in UNIT_ALIASES.items() for a in aliases}
    out["unit_norm"] = out["unit"].map(alias)

    # --- instance factors ------------------------------------------------------------------------
    power = fs.instance_power().filter(fs.instance_power()["provider"] == "aws").to_pandas()
    power = power.rename(columns={"instance_type": "instance_key"}).drop(columns=["provider"])
    cls = out["usage_class"]
    host = out["rule_id"] == "ec2-host"
    host_key = out["usage_type_core"].str.replace("^HostUsage:", "", regex=True) + ".metal"
    out["instance_key"] = np.where(host, host_key, np.where(cls == "compute", out["instance_type"], None))
    out = out.merge(power, on="instance_key", how="left")
    prov = fs.provider_cpu_average().to_pandas().set_index("provider").loc["aws"]

    # --- fate ------------------------------------------------------------------------------------
    compute = cls == "compute"
    known = out["vcpu"].notna()
    hinted = out["vcpu_hint"].notna() & (out["vcpu_hint"] > 0)
    unit_ok = (
        (out["quantity_unit"] == "any") | out["unit_norm"].isna() | (out["unit_norm"] == out["quantity_unit"])
    )
    fate = np.select(
        [cls == "excluded", cls == "unmodelled", ~unit_ok, compute & ~known & ~hinted],
        ["excluded", "fallback", "fallback", "fallback"],
        "estimated",
    )
    est = fate == "estimated"

    # --- activity and energy ----------------------------------------------------------------------
    q = out["q"]
    rep = out["replication_factor"]
    hours = q.where(est & compute, 0.0)
    vcpu = out["vcpu"].fillna(out["vcpu_hint"]).fillna(0.0)
    mem_gb = out["memory_gb"].fillna(out["memory_gb_hint"]).fillna(0.0)
    serverless_h = (q / 3600.0).where(est & (cls == "serverless"), 0.0)
    generic_vcpu_h = serverless_h * 1024.0 / coef("lambda_mb_per_vcpu") + q.where(
        est & (cls == "container_cpu"), 0.0
    )
    vcpu_hours = hours * vcpu + generic_vcpu_h
    mem_gb_hours = hours * mem_gb + serverless_h + q.where(est & (cls == "container_memory"), 0.0)
    acc_hours = hours * out["accelerator_count"].fillna(0.0)
    tb_hours = np.where(out["unit_norm"] == "gb_hours", q / 1024.0, q * period_hours.to_numpy() / 1024.0)
    storage = est & cls.isin(["storage_ssd", "storage_hdd"])
    tb_hours = pd.Series(np.where(storage, tb_hours, 0.0), index=out.index)
    net_gb = q.where(est & cls.isin(["network", "network_intra_region"]), 0.0)

    u = out["burstable_baseline"].fillna(coef("cpu_utilisation_default"))
    wmin = out["cpu_min_w_per_vcpu"].fillna(prov["avg_cpu_min_w_per_vcpu"])
    wmax = out["cpu_max_w_per_vcpu"].fillna(prov["avg_cpu_max_w_per_vcpu"])
    cpu_kwh = (vcpu_hours * (wmin + u * (wmax - wmin)) / 1000.0 * rep).fillna(0.0)
    idle = out["accelerator_idle_w"].fillna(0.0)
    tdp = out["accelerator_tdp_w"].fillna(0.0)
    acc_u = coef("accelerator_utilisation_default")
    acc_kwh = acc_hours * (idle + acc_u * (tdp - idle)) / 1000.0 * rep
    mem_kwh = mem_gb_hours * coef("memory_kwh_per_gb_hour") * rep
    tier_wh = np.where(cls == "storage_ssd", coef("ssd_wh_per_tb_hour"), coef("hdd_wh_per_tb_hour"))
    storage_kwh = tb_hours * tier_wh / 1000.0 * rep
    net_coef = np.where(cls == "network", coef("network_kwh_per_gb"), coef("network_intra_region_kwh_per_gb"))
    net_kwh = net_gb * net_coef

    # --- PUE and grid ------------------------------------------------------------------------------
    pue_tab = fs.pue().to_pandas()
    pue_tab = pue_tab[pue_tab["provider"] == "aws"]
    pue_avg = float(pue_tab.loc[pue_tab["region"] == "*", "pue"].iloc[0])
    pue = out["RegionId"].map(pue_tab[pue_tab["region"] != "*"].set_index("region")["pue"]).fillna(pue_avg)
    grid = fs.grid(year, cfg.grid_datasets).to_pandas()
    grid = grid[grid["provider"] == "aws"]
    g_avg = float(grid.loc[grid["region"] == "*", "g_co2e_per_kwh"].iloc[0])
    g = out["RegionId"].map(grid[grid["region"] != "*"].set_index("region")["g_co2e_per_kwh"]).fillna(g_avg)

    energy = (cpu_kwh + acc_kwh + mem_kwh + storage_kwh + net_kwh) * pue
    # fallback: kWh per currency unit of the estimated rows (single provider / currency here)
    ratio = energy[est].sum() / out["cost"][est].sum()
    fallback = fate == "fallback"
    fb_cost = out["cost"].clip(lower=0.0)
    energy = energy.where(~fallback, fb_cost * ratio)
    co2e = (energy * g / 1000.0).where(fate != "excluded", 0.0)
    energy = energy.where(fate != "excluded", 0.0)

    lines = (
        pd.DataFrame({"project": out["project"], "cost": out["cost"], "energy_kwh": energy, "co2e_kg": co2e})
        .groupby("project", sort=False)
        .agg(
            rows=("cost", "size"),
            cost=("cost", "sum"),
            energy_kwh=("energy_kwh", "sum"),
            co2e_kg=("co2e_kg", "sum"),
        )
        .sort_values("co2e_kg", ascending=False)
    )
    return {
        "rows": n_rows,
        "lines": len(lines),
        "energy_kwh": float(lines["energy_kwh"].sum()),
        "co2e_kg": float(lines["co2e_kg"].sum()),
        "top": lines.head(3).reset_index().to_dict("records"),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--month", default="2026-10")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    res = estimate(args.path, args.month)
    res["wall_s"] = time.perf_counter() - t
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            res["vm_hwm_kb"] = int(line.split()[1])
    print(json.dumps(res, default=str))


if __name__ == "__main__":
    main()
