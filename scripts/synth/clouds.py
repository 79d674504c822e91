"""Synthetic exports for the other sources of the demo month: GCP, Azure, FOCUS and an inventory.

Together with :func:`synth.cur.generate_cur_month` they make one organisation's month:

* **GCP** (billing export as newline-delimited JSON with nested fields, as BigQuery extracts it): TPU v4
  pre-training (``vision-train``, run ``tpu-pretrain-7``), TPU v5e and A2 + A100 serving
  (``recsys-serving``), N2 / N2D analytics with Persistent Disk, Cloud Storage and egress, BigQuery
  analysis, sustained-use and committed-use credits, a commitment fee, tax and a late row of September
  usage on the October invoice.
* **Azure** (EA cost details, actual cost, UTF-8 with BOM, ``MM/DD/YYYY``): NC24ads A100 v4 inference
  (``llm-chat``), D4s v5 web VMs, a Spot VM, a ``100 Hours`` pack row, Premium SSD disks, blob storage,
  bandwidth, a reservation purchase and a refund.
* **FOCUS 1.2** (CSV): an acquired company's AWS account exported in FOCUS, with g5.4xlarge inference
  rows whose instance type is only in ``ChargeDescription``, x_UsageType rows, tax and a credit.
* **Inventory** (TOML): on-premises database servers in Germany and a colocated 8 x A100 box.

Everything is deterministic; costs are written with at most 10 decimals so the exact totals the
functions return can be checked against the files.
"""

from __future__ import annotations

import csv
import json
import zlib
from calendar import monthrange
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "Export",
    "generate_azure_month",
    "generate_focus_month",
    "generate_gcp_month",
    "generate_inventory",
]


@dataclass(frozen=True)
class Export:
    """A written export: its path, row count and exact billed total (Decimal)."""

    path: Path
    rows: int
    billed_cost: Decimal


def _days(month: str) -> int:
    return monthrange(int(month[:4]), int(month[5:]))[1]


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


# ----------------------------------------------------------------------------------------------- GCP

_GCE = ("6F81-5844-456A", "Compute Engine")
_TPU = ("E000-3F24-B8AA", "Cloud TPU")
_GCS = ("95FF-2EF5-5EA1", "Cloud Storage")
_BQ = ("24E6-581D-38E5", "BigQuery")
_VERTEX = ("C7E2-9256-1C43", "Vertex AI")
_GIB = 1 << 30


def _kv(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in pairs.items()]


def generate_gcp_month(out_dir: Path, month: str = "2026-10") -> Export:
    """Write ``gcp-billing-<month>.jsonl`` (nested BigQuery export rows) and return it with its total.

    The billed total is ``sum(cost) + sum(credits)``, as on the invoice.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    days = _days(month)
    invoice = month.replace("-", "")
    rows: list[dict[str, Any]] = []
    total = Decimal(0)

    def add(
        service: tuple[str, str],
        sku: str,
        day: int,
        amount: float,
        unit: str,
        cost: float,
        *,
        project: str,
        region: str = "us-central1",
        labels: dict[str, str] | None = None,
        spec: str | None = None,
        credits: tuple[tuple[str, float], ...] = (),
        cost_type: str = "regular",
        usage_month: str | None = None,
    ) -> None:
        nonlocal total
        um = usage_month or month
        start = f"{um}-{day:02d} 00:00:00 UTC"
        end = f"{um}-{day:02d} 23:59:59 UTC" if day == _days(um) else f"{um}-{day + 1:02d} 00:00:00 UTC"
        c = _money(cost)
        creds = [
            {
                "name": n,
                "amount": float(_money(a)),
                "full_name": n,
                "id": n.lower().replace(" ", "-"),
                "type": t,
            }
            for (n, a), t in zip(
                credits, ["SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT"], strict=False
            )
        ]
        total += c + sum((_money(a) for _, a in credits), Decimal(0))
        rows.append(
            {
                "billing_account_id": "01A2B3-C4D5E6-F70819",
                "service": {"id": service[0], "description": service[1]},
                "sku": {"id": f"{zlib.crc32(sku.encode()) % 0xFFFF:04X}-DEMO-SKU0", "description": sku},
                "usage_start_time": start,
                "usage_end_time": end,
                "project": {"id": project, "name": project, "labels": []},
                "labels": _kv({"project": project, **(labels or {})}),
                "system_labels": _kv({"compute.googleapis.com/machine_spec": spec} if spec else {}),
                "location": {"location": region, "country": "US", "region": region, "zone": f"{region}-a"},
                "cost": float(c),
                "currency": "USD",
                "usage": {"amount": amount, "unit": unit},
                "credits": creds,
                "invoice": {"month": invoice},
                "cost_type": cost_type,
            }
        )

    training = {"stage": "training", "run": "tpu-pretrain-7", "team": "vision"}
    serving = {"stage": "inference", "team": "recsys"}
    for d in range(1, days + 1):
        if d <= 20:  # a 20-day pre-training run on 32 TPU v4 chips
            add(
                _TPU,
                "TPU v4 chip running in Americas",
                d,
                32 * 86400.0,
                "seconds",
                32 * 24 * 3.22,
                project="vision-train",
                labels=training,
            )
        add(
            _TPU,
            "TPU v5 lite chip running in Americas",
            d,
            8 * 86400.0,
            "seconds",
            8 * 24 * 1.2,
            project="recsys-serving",
            labels=serving,
        )
        spec = "a2-highgpu-1g"
        add(
            _GCE,
            "A2 Instance Core running in Americas",
            d,
            12 * 86400.0,
            "seconds",
            12 * 24 * 0.0336,
            project="recsys-serving",
            labels=serving,
            spec=spec,
            credits=(("Committed use discount", -3.1),),
        )
        add(
            _GCE,
            "A2 Instance Ram running in Americas",
            d,
            85.0 * _GIB * 86400,
            "byte-seconds",
            85 * 24 * 0.0045,
            project="recsys-serving",
            labels=serving,
            spec=spec,
        )
        add(
            _GCE,
            "Nvidia Tesla A100 GPU running in Americas",
            d,
            86400.0,
            "seconds",
            24 * 2.934,
            project="recsys-serving",
            labels=serving,
        )
        for spec, series, vcpu, mem in (("n2-standard-8", "N2", 8, 32), ("n2d-standard-16", "N2D", 16, 64)):
            add(
                _GCE,
                f"{series} Instance Core running in Americas",
                d,
                vcpu * 86400.0,
                "seconds",
                vcpu * 24 * 0.031611,
                project="analytics",
                spec=spec,
                credits=(("Sustained usage discount", -vcpu * 24 * 0.0063),),
            )
            add(
                _GCE,
                f"{series} Instance Ram running in Americas",
                d,
                mem * float(_GIB) * 86400,
                "byte-seconds",
                mem * 24 * 0.004237,
                project="analytics",
                spec=spec,
            )
        add(
            _GCE,
            "SSD backed PD Capacity",
            d,
            500.0 * _GIB * 86400,
            "byte-seconds",
            500 * 0.17 / days,
            project="analytics",
        )
        add(
            _GCS,
            "Standard Storage US Multi-region",
            d,
            20_000.0 * _GIB * 86400,
            "byte-seconds",
            20_000 * 0.026 / days,
            project="analytics",
        )
        add(
            _GCE,
            "Network Internet Egress from Americas to Americas",
            d,
            150.0 * _GIB,
            "bytes",
            150 * 0.12,
            project="analytics",
        )
        add(_BQ, "Analysis", d, 2.5 * (1 << 40), "bytes", 2.5 * 6.25, project="analytics", region="us")
    add(
        _GCE,
        "Commitment v1: A2 Cpu in Americas for 1 Year",
        1,
        12 * 744 * 3600.0,
        "seconds",
        210.0,
        project="recsys-serving",
    )
    add(
        _GCE,
        "N2 Instance Core running in Americas",
        30,
        8 * 3600.0,
        "seconds",
        8 * 0.031611,
        project="analytics",
        spec="n2-standard-8",
        usage_month="2026-09" if month == "2026-10" else month,
    )
    # a model API: Gemini 2.0 Flash on Vertex AI, billed per token (usage.unit "count"), USD 0.15 per
    # million input and 0.60 per million output tokens
    for d in range(1, days + 1):
        sku = "Gemini 2.0 Flash Text {} - Predictions"
        add(_VERTEX, sku.format("Input"), d, 5_000_000, "count", 0.75, project="search-assist")
        add(_VERTEX, sku.format("Output"), d, 1_200_000, "count", 0.72, project="search-assist")
    for d, tax in ((days, 812.45),):
        add(_GCE, "Tax", d, 0.0, "", tax, project="analytics", cost_type="tax")
    path = out_dir / f"gcp-billing-{month}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return Export(path, len(rows), total)


# --------------------------------------------------------------------------------------------- Azure

_EA_COLUMNS = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "SubscriptionId", "SubscriptionName", "Date", "Product", "MeterId", "ServiceFamily", "MeterCategory",
    "MeterSubCategory", "MeterRegion", "MeterName", "Quantity", "EffectivePrice", "Cost", "UnitPrice",
    "BillingCurrency", "ResourceLocation", "ConsumedService", "ResourceId", "AdditionalInfo", "Tags",
    "UnitOfMeasure", "ResourceGroup", "ReservationName", "ChargeType", "Frequency", "PublisherType",
    "PricingModel",
]  # fmt: skip
_SUB = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d"


def generate_azure_month(out_dir: Path, month: str = "2026-10") -> Export:
    """Write ``azure-cost-<month>-actual.csv`` (EA cost details, actual cost) and return its total."""
    out_dir.mkdir(parents=True, exist_ok=True)
    y, m = month.split("-")
    days = _days(month)
    rows: list[dict[str, str]] = []
    total = Decimal(0)

    def add(
        day: int, category: str, sub: str, meter: str, quantity: float, unit: str, cost: float, *,
        rg: str, location: str = "eastus", size: str | None = None, vcpus: int = 0,
        tags: str = "", charge: str = "Usage", pricing: str = "OnDemand",
    ) -> None:  # fmt: skip
        nonlocal total
        c = _money(cost)
        total += c
        info = (
            json.dumps({"UsageType": "ComputeHR", "ServiceType": size, "VMName": f"{rg}-vm", "VCPUs": vcpus})
            if size
            else ""
        )
        rows.append(
            {
                "BillingAccountId": "8611537",
                "BillingAccountName": "Contoso",
                "BillingPeriodStartDate": f"{m}/01/{y}",
                "BillingPeriodEndDate": f"{m}/{days:02d}/{y}",
                "SubscriptionId": _SUB,
                "SubscriptionName": "Contoso AI",
                "Date": f"{m}/{day:02d}/{y}",
                "Product": f"{category} {sub} - {meter}",
                "MeterId": f"{zlib.crc32(meter.encode()) % 10**8:08d}-0000-4000-8000-000000000000",
                "ServiceFamily": "Compute" if category == "Virtual Machines" else category,
                "MeterCategory": category,
                "MeterSubCategory": sub,
                "MeterRegion": "US East",
                "MeterName": meter,
                "Quantity": f"{quantity:g}",
                "EffectivePrice": "0",
                "Cost": f"{c}",
                "UnitPrice": "0",
                "BillingCurrency": "USD",
                "ResourceLocation": location,
                "ConsumedService": "Microsoft.Compute",
                "ResourceId": f"/subscriptions/{_SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/x",
                "AdditionalInfo": info,
                "Tags": tags,
                "UnitOfMeasure": unit,
                "ResourceGroup": rg,
                "ReservationName": "",
                "ChargeType": charge,
                "Frequency": "UsageBased" if charge == "Usage" else "OneTime",
                "PublisherType": "Azure",
                "PricingModel": pricing,
            }
        )

    chat = '"project": "llm-chat","stage": "inference"'
    web = '"project": "storefront","env": "prod"'
    for d in range(1, days + 1):
        add(
            d,
            "Virtual Machines",
            "NCads A100 v4 Series",
            "NC24ads A100 v4",
            24,
            "1 Hour",
            24 * 3.673,
            rg="rg-llm-inference",
            size="Standard_NC24ads_A100_v4",
            vcpus=24,
            tags=chat,
        )
        add(
            d,
            "Virtual Machines",
            "Dsv5 Series",
            "D4s v5",
            2 * 24,
            "1 Hour",
            2 * 24 * 0.192,
            rg="rg-web",
            location="westeurope",
            size="Standard_D4s_v5",
            vcpus=4,
            tags=web,
        )
        add(
            d,
            "Virtual Machines",
            "Dv3/DSv3 Series",
            "D2 v3/D2s v3 Spot",
            24,
            "1 Hour",
            24 * 0.0231,
            rg="rg-batch",
            size="Standard_D2s_v3",
            vcpus=2,
            tags='"project": "batch"',
            pricing="Spot",
        )
        add(
            d,
            "Storage",
            "Premium SSD Managed Disks",
            "P10 LRS Disk",
            2 / days,
            "1/Month",
            2 * 19.71 / days,
            rg="rg-web",
            location="westeurope",
            tags=web,
        )
        add(
            d,
            "Storage",
            "General Block Blob v2",
            "Hot GRS Data Stored",
            5000 / days,
            "1 GB/Month",
            5000 * 0.0368 / days,
            rg="rg-llm-inference",
            tags=chat,
        )
        add(
            d,
            "Bandwidth",
            "Rtn Preference: MGN",
            "Standard Data Transfer Out",
            80,
            "1 GB",
            80 * 0.087,
            rg="rg-web",
            location="westeurope",
            tags=web,
        )
    add(
        1,
        "Virtual Machines",
        "Dv3/DSv3 Series",
        "D2 v3/D2s v3",
        0.24 * 31,
        "100 Hours",
        0.24 * 31 * 9.6,
        rg="rg-legacy",
        size="Standard_D2s_v3",
        vcpus=2,
        tags='"project": "legacy-erp"',
    )
    add(
        3,
        "Virtual Machines",
        "Reservation-Base VM",
        "Reserved VM Instance, Standard_D4s_v5, East US, 1 Year",
        1,
        "1 Hour",
        1412.0,
        rg="rg-web",
        charge="Purchase",
        pricing="Reservation",
    )
    add(
        18,
        "Virtual Machines",
        "Reservation-Base VM",
        "Reserved VM Instance, Standard_D4s_v5, East US, 1 Year",
        1,
        "1 Hour",
        -140.0,
        rg="rg-web",
        charge="Refund",
        pricing="Reservation",
    )
    # a model API: Azure OpenAI gpt-4o (global deployment), metered in packs of 1,000 tokens: USD 2.50
    # per million input, 1.25 per million cached input and 10.00 per million output tokens
    bot = '"project": "support-bot"'
    for d in range(1, days + 1):
        for meter, k_tokens, cost in (
            ("gpt-4o-0806 Inp glbl Tokens", 2400, 6.0),
            ("gpt-4o-0806 cached Inp glbl Tokens", 800, 1.0),
            ("gpt-4o-0806 Outp glbl Tokens", 600, 6.0),
        ):
            add(d, "Cognitive Services", "Azure OpenAI", meter, k_tokens, "1K Tokens", cost, rg="rg-bot",
                tags=bot)  # fmt: skip
    path = out_dir / f"azure-cost-{month}-actual.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.DictWriter(fh, fieldnames=_EA_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return Export(path, len(rows), total)


# --------------------------------------------------------------------------------------------- FOCUS

_FOCUS_COLUMNS = [
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodStart",
    "ChargePeriodEnd", "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit", "BilledCost",
    "EffectiveCost", "ListCost", "PricingCategory", "ProviderName", "PublisherName", "InvoiceIssuerName",
    "RegionId", "RegionName", "ResourceId", "ServiceCategory", "ServiceName", "SkuId", "SkuPriceDetails",
    "SubAccountId", "SubAccountName", "Tags", "x_UsageType",
]  # fmt: skip


def generate_focus_month(out_dir: Path, month: str = "2026-10") -> Export:
    """Write ``focus-<month>.csv``: an acquired company's AWS account exported as FOCUS 1.2."""
    out_dir.mkdir(parents=True, exist_ok=True)
    y, m = month.split("-")
    days = _days(month)
    nxt = f"{int(y) + (m == '12')}-{(int(m) % 12) + 1:02d}-01T00:00:00Z"
    rows: list[dict[str, str]] = []
    total = Decimal(0)

    def add(
        day: int, category: str, description: str, quantity: float | None, unit: str, cost: float, *,
        service: str = "Amazon Elastic Compute Cloud", usage_type: str = "", tags: str = "{}",
        sku_details: str = "", region: str = "us-east-1",
    ) -> None:  # fmt: skip
        nonlocal total
        c = _money(cost)
        total += c
        start = f"{month}-{day:02d}T00:00:00Z"
        end = f"{month}-{day + 1:02d}T00:00:00Z" if day < days else nxt
        rows.append(
            {
                "BillingAccountId": "998877665544",
                "BillingAccountName": "Acme Robotics",
                "BillingCurrency": "USD",
                "BillingPeriodStart": f"{month}-01T00:00:00Z",
                "BillingPeriodEnd": nxt,
                "ChargeCategory": category,
                "ChargeClass": "",
                "ChargeDescription": description,
                "ChargeFrequency": "Usage-Based" if category == "Usage" else "One-Time",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "CommitmentDiscountStatus": "",
                "ConsumedQuantity": "" if quantity is None else f"{quantity:g}",
                "ConsumedUnit": unit,
                "BilledCost": f"{c}",
                "EffectiveCost": f"{c}",
                "ListCost": f"{c}",
                "PricingCategory": "Standard",
                "ProviderName": "AWS",
                "PublisherName": "AWS",
                "InvoiceIssuerName": "AWS",
                "RegionId": region,
                "RegionName": "US East (N. Virginia)",
                "ResourceId": "",
                "ServiceCategory": "Compute",
                "ServiceName": service,
                "SkuId": "H9ZN7EUEHC2S7YH5",
                "SkuPriceDetails": sku_details,
                "SubAccountId": "051738928782",
                "SubAccountName": "acme-vision",
                "Tags": tags,
                "x_UsageType": usage_type,
            }
        )

    infer = json.dumps({"project": "acme-vision", "stage": "inference"})
    for d in range(1, days + 1):
        add(
            d,
            "Usage",
            "$1.624 per On Demand Linux g5.4xlarge Instance Hour",
            2 * 24,
            "Hours",
            2 * 24 * 1.624,
            tags=infer,
        )
        add(
            d,
            "Usage",
            "$0.1632 per On Demand Linux m7g.xlarge Instance Hour",
            24,
            "Hours",
            24 * 0.1632,
            usage_type="BoxUsage:m7g.xlarge",
            tags=json.dumps({"project": "acme-vision"}),
        )
        add(
            d,
            "Usage",
            "$0.023 per GB - first 50 TB / month of storage used",
            2000 / days,
            "GB-Mo",
            2000 * 0.023 / days,
            service="Amazon Simple Storage Service",
            usage_type="TimedStorage-ByteHrs",
            tags=json.dumps({"project": "acme-vision"}),
        )
    add(days, "Tax", "Tax for product code AmazonEC2", None, "", 312.2)
    add(days, "Credit", "AWS Activate credit", None, "", -500.0)
    path = out_dir / f"focus-{month}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=_FOCUS_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return Export(path, len(rows), total)


# ----------------------------------------------------------------------------------------- inventory

_INVENTORY = """\
# Servers with no cloud bill: on-premises and colocated hardware (see README, "Inventory").
[[server]]
name = "erp-db-01"
project = "legacy-erp"
cpu_model = "Intel Xeon Gold 6248"   # 2 sockets x 20 cores x 2 threads
vcpus = 80
memory_gb = 384
always_on = true
location = "DE"
pue = 1.6
utilisation = 0.25
embodied_kgco2e = 1500
count = 2

[[server]]
name = "dgx-colo"
project = "vision-train"
cpu_microarchitecture = "EPYC 2nd Gen"
cores = 128
threads_per_core = 2
memory_gb = 1024
accelerators = "8 x NVIDIA A100 SXM4 40GB"
hours_per_month = 600
location = "US-CAL-CISO"
pue = 1.4
"""


def generate_inventory(out_dir: Path) -> Path:
    """Write ``servers.toml``: two on-premises database servers and a colocated 8 x A100 box."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "servers.toml"
    path.write_text(_INVENTORY, encoding="utf-8")
    return path
