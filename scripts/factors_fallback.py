"""Reference ratios for the cost-ratio fallback: kWh per unit of currency per provider and service class.

Loaded by ``scripts/build_factors.py`` (``extend`` to read the shared CPU-power and PUE rows, then
``TABLES`` + ``tables(ref)``). Reads nothing from ``ref``. The fallback gives a billing row the model
cannot estimate the energy per unit of cost of the modelled rows of the same provider; this table bounds
that ratio (see ``cloudcarbon/fallback_ratio.py``) and stands in when nothing is modelled.

Derivation (every row's ``note`` repeats its own numbers):

* ``compute``: one hour of the provider's 2-vCPU / 8-GB general-purpose VM at its public on-demand Linux
  price ``P`` (cited per provider below). Energy per hour ``E(u) = (2 x (min + u x (max - min)) + 8 x
  m) W x PUE``, with the provider-average min/max W per vCPU of ``cpu_power.csv`` (``*`` row), the
  memory watts per GB ``m`` and the provider PUE of ``pue.csv`` (``*`` row). Since factor set 2026.12.1
  ``m = 0``: the set declares one power boundary, the whole server (``power_boundary_whole_server``,
  ``memory_kwh_per_gb_hour = 0``; docs/method.md section 2), whose per-vCPU watts include memory. Sets
  2026.11 and 2026.12 were built with ``m = 0.392`` (CCF MEMORY_COEFFICIENT) and are not rebuilt.
  Central = ``E(0.5) / P``; low = ``E(0) / (2 P)`` (an idle machine at twice the on-demand price,
  as a licensed OS or premium support roughly doubles it); high = ``E(1) / ((1 - d) P)`` (a busy
  machine at the provider's deepest published commitment discount ``d``).
* ``storage``: one GB-month of standard object storage at its public price ``P``: ``E = 0.65 Wh/TB-h
  (HDD, CCF HDDCOEFFICIENT) x 730 h / 1000 x replication x PUE``. Central = ``E / P``; low = ``E /
  (2 P)``; high = the same with the SSD coefficient (1.2 Wh/TB-h, CCF SSDCOEFFICIENT) at 0.17 P (AWS
  S3 Glacier Instant Retrieval 0.004 USD vs S3 Standard 0.023 USD per GB-month: cold tiers cost less
  per GB).
* ``*`` (any other service: databases, analytics, networking, managed services): half the compute
  central and low figures (a managed service sells software and operations on top of the hardware, so
  less energy per unit of cost; cloudcarbon assumption) and the compute high figure (the band must
  contain plain compute billed under another service name).
* provider ``*``: the AWS figures, for providers with no row of their own.
* Currencies: USD as derived; EUR and GBP converted with the ECB euro reference rates, 2024 annual
  average (1 EUR = 1.0824 USD = 0.84662 GBP): kWh per EUR = kWh per USD x 1.0824, kWh per GBP = kWh
  per USD x 1.0824 / 0.84662. Other currencies have no reference row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

APACHE = "Apache-2.0"
CCF = "cloud-carbon-footprint/cloud-carbon-footprint@b7a049c"
AWS_CONST = f"{CCF}:packages/aws/src/domain/AwsFootprintEstimationConstants.ts"
#: Memory W per GB on top of the per-vCPU watts: 0 under the whole-server boundary of this set
#: (coefficients.csv memory_kwh_per_gb_hour, scripts/factors_power.py); sets up to 2026.12 used 0.392.
MEMORY_W_PER_GB = 0.0
BOUNDARY = (
    "memory 0 W/GB: inside the whole-server per-vCPU watts (coefficients power_boundary_whole_server = 1, "
    "memory_kwh_per_gb_hour = 0; cloudcarbon docs/method.md section 2)"
)
HDD_WH_PER_TB_H = 0.65  # CCF HDDCOEFFICIENT
SSD_WH_PER_TB_H = 1.2  # CCF SSDCOEFFICIENT
HOURS_PER_MONTH = 730.0
COLD_PRICE_FACTOR = 0.17  # 0.004 / 0.023, rounded down
ECB = "ECB euro foreign exchange reference rates, 2024 annual average (https://www.ecb.europa.eu/stats/)"
USD_PER_EUR = 1.0824
GBP_PER_EUR = 0.84662

# provider -> (VM, on-demand USD per hour, price source, max commitment discount, discount source)
COMPUTE = {
    "aws": (
        "m5.large (us-east-1)",
        0.096,
        "AWS EC2 On-Demand pricing, Linux, US East (N. Virginia) https://aws.amazon.com/ec2/pricing/on-demand/",
        0.72,
        "AWS Savings Plans 'up to 72%' https://aws.amazon.com/savingsplans/",
    ),
    "azure": (
        "D2s v3 (East US)",
        0.096,
        "Azure Linux Virtual Machines pricing, pay as you go, East US "
        "https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (verify)",
        0.72,
        "Azure Reserved VM Instances 'up to 72%' https://azure.microsoft.com/pricing/reserved-vm-instances/",
    ),
    "gcp": (
        "n2-standard-2 (us-central1)",
        0.097118,
        "Google Compute Engine VM instance pricing, N2 standard, us-central1 "
        "https://cloud.google.com/compute/vm-instance-pricing (verify)",
        0.70,
        "Google committed use discounts 'up to 70%' https://cloud.google.com/compute/docs/instances/"
        "signing-up-committed-use-discounts",
    ),
}
# provider -> (storage class, USD per GB-month, price source, replication, replication source)
STORAGE = {
    "aws": (
        "S3 Standard, first 50 TB (us-east-1)",
        0.023,
        "Amazon S3 pricing https://aws.amazon.com/s3/pricing/",
        3,
        f"{CCF}:packages/aws/src/lib/ReplicationFactors.ts (S3: 3)",
    ),
    "azure": (
        "Blob Storage Hot LRS, first 50 TB (East US)",
        0.0184,
        "Azure Blob Storage pricing https://azure.microsoft.com/pricing/details/storage/blobs/ (verify)",
        3,
        f"{CCF}:packages/azure/src/lib/ReplicationFactors.ts (LRS storage: 3)",
    ),
    "gcp": (
        "Cloud Storage Standard, regional (us-central1)",
        0.020,
        "Google Cloud Storage pricing https://cloud.google.com/storage/pricing (verify)",
        2,
        f"{CCF}:packages/gcp/src/lib/ReplicationFactors.ts (regional Cloud Storage: 2)",
    ),
}
CURRENCIES = {"USD": 1.0, "EUR": USD_PER_EUR, "GBP": USD_PER_EUR / GBP_PER_EUR}

TABLES: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "fallback_reference_ratios.csv": (
        [
            {"name": "provider", "type": "string", "description": "aws / gcp / azure, or * for any other"},
            {"name": "currency", "type": "string", "description": "ISO currency code of the cost"},
            {
                "name": "service_class",
                "type": "string",
                "description": "compute / storage / * (any other service), see cloudcarbon.fallback_ratio",
            },
            {
                "name": "kwh_per_cost",
                "type": "number",
                "unit": "kWh per currency unit",
                "description": "reference ratio (used when nothing of the group is modelled)",
            },
            {
                "name": "kwh_per_cost_low",
                "type": "number",
                "unit": "kWh per currency unit",
                "description": "lowest plausible ratio: an observed ratio below it is raised to it",
            },
            {
                "name": "kwh_per_cost_high",
                "type": "number",
                "unit": "kWh per currency unit",
                "description": "highest plausible ratio: an observed ratio above it is lowered to it",
            },
            {"name": "note", "type": "string", "description": "how the row is derived, with its numbers"},
            {"name": "source", "type": "string", "description": "public sources of the figures used"},
            {"name": "licence", "type": "string", "description": "licence of the row (SPDX id)"},
        ],
        ["provider", "currency", "service_class"],
    )
}

_shared: dict[str, list[dict[str, Any]]] = {}


def extend(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Keep the shared tables: the ratios use the set's own CPU-power and PUE provider averages."""
    del ref
    _shared.update(tables)


def _provider_row(table: str, provider: str, key: str) -> dict[str, Any]:
    for r in _shared[table]:
        if r["provider"] == provider and r[key] == "*":
            return r
    raise SystemExit(f"factors_fallback: no {table} '*' row for {provider}")


def _num(x: Any) -> float:
    return float(x)


def _usd_rows(provider: str) -> list[dict[str, Any]]:
    cpu = _provider_row("cpu_power", provider, "microarchitecture")
    pue = _num(_provider_row("pue", provider, "region")["pue"])
    lo_w, hi_w = _num(cpu["min_w_per_vcpu"]), _num(cpu["max_w_per_vcpu"])
    vm, price, price_src, disc, disc_src = COMPUTE[provider]

    def kwh(u: float) -> float:
        return (2 * (lo_w + u * (hi_w - lo_w)) + 8 * MEMORY_W_PER_GB) * pue / 1000.0

    central, low, high = kwh(0.5) / price, kwh(0.0) / (2 * price), kwh(1.0) / ((1 - disc) * price)
    pue_src = _provider_row("pue", provider, "region")["source"]
    common_src = f"{cpu['source']}; {BOUNDARY}; PUE: {pue_src}"
    compute = {
        "service_class": "compute",
        "kwh_per_cost": central,
        "kwh_per_cost_low": low,
        "kwh_per_cost_high": high,
        "note": (
            f"{vm} hour at {price} USD: "
            f"E(u) = (2 x ({lo_w} + u x ({hi_w} - {lo_w})) + 8 x {MEMORY_W_PER_GB}) W "
            f"x PUE {pue}; central E(0.5)/P = {kwh(0.5):.6f} kWh / {price}; low E(0)/(2P); "
            f"high E(1)/((1 - {disc}) P)"
        ),
        "source": f"{price_src}; {disc_src}; {common_src}",
    }
    cls, sprice, sprice_src, repl, repl_src = STORAGE[provider]
    hdd = HDD_WH_PER_TB_H * HOURS_PER_MONTH / 1000.0 * repl * pue / 1000.0  # kWh per GB-month
    ssd = SSD_WH_PER_TB_H * HOURS_PER_MONTH / 1000.0 * repl * pue / 1000.0
    storage = {
        "service_class": "storage",
        "kwh_per_cost": hdd / sprice,
        "kwh_per_cost_low": hdd / (2 * sprice),
        "kwh_per_cost_high": ssd / (COLD_PRICE_FACTOR * sprice),
        "note": (
            f"{cls} GB-month at {sprice} USD: E = {HDD_WH_PER_TB_H} Wh/TB-h x {HOURS_PER_MONTH:g} h / 1000 x "
            f"replication {repl} x PUE {pue} = {hdd:.7f} kWh; central E/P; low E/(2P); high with "
            f"{SSD_WH_PER_TB_H} Wh/TB-h (SSD) at {COLD_PRICE_FACTOR} P"
        ),
        "source": (
            f"{sprice_src}; {repl_src}; {AWS_CONST} HDDCOEFFICIENT, SSDCOEFFICIENT; Amazon S3 pricing "
            "(Glacier Instant Retrieval 0.004 vs Standard 0.023 USD per GB-month); PUE as compute"
        ),
    }
    other = {
        "service_class": "*",
        "kwh_per_cost": central / 2,
        "kwh_per_cost_low": low / 2,
        "kwh_per_cost_high": high,
        "note": (
            "any other service: half the compute central and low ratios (managed services sell software "
            "and operations on top of the hardware; cloudcarbon assumption), the compute high ratio"
        ),
        "source": f"derived from this provider's compute row ({price_src}; {common_src})",
    }
    return [compute, storage, other]


def tables(ref: Path) -> dict[str, list[dict[str, Any]]]:
    del ref
    rows: list[dict[str, Any]] = []
    for provider in (*sorted(COMPUTE), "*"):
        usd = _usd_rows("aws" if provider == "*" else provider)
        for currency, factor in CURRENCIES.items():
            for r in usd:
                note = r["note"]
                source = r["source"]
                if provider == "*":
                    note = f"AWS figures, for providers without a row of their own; {note}"
                if currency != "USD":
                    note = f"{note}; converted from USD at {factor:.6f} USD per {currency}"
                    source = f"{source}; {ECB}"
                rows.append(
                    {
                        "provider": provider,
                        "currency": currency,
                        "service_class": r["service_class"],
                        "kwh_per_cost": round(r["kwh_per_cost"] * factor, 6),
                        "kwh_per_cost_low": round(r["kwh_per_cost_low"] * factor, 6),
                        "kwh_per_cost_high": round(r["kwh_per_cost_high"] * factor, 6),
                        "note": note,
                        "source": source,
                        "licence": APACHE,
                    }
                )
    rows.sort(key=lambda r: (r["provider"], r["currency"], r["service_class"]))
    return {"fallback_reference_ratios.csv": rows}
