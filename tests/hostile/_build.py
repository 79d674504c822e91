"""Builders of small hostile exports (written into each test's tmp_path) and a runner that reports
the coverage per currency, so each case states its expected totals worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon import estimate
from cloudcarbon.cli import main
from cloudcarbon.pipeline import EstimateResult
from tests.conftest import CUR_COLUMNS, PINNED_FACTORS, cur_row, write_cur

MONTH = "2026-10"

# --- AWS CUR (legacy CSV): m5.large hours are estimated, an unknown instance type falls back, Tax is
# excluded. Costs are written as text so every expected total below is exact decimal arithmetic.


def m5(cost: str, **kw: Any) -> dict[str, Any]:
    """One m5.large usage row (24 h), estimated."""
    return cur_row("BoxUsage:m5.large", kw.pop("amount", 24), cost, "Hrs", instance="m5.large", **kw)


def tax(cost: str, **kw: Any) -> dict[str, Any]:
    return cur_row("", 0, cost, "", line_item_type="Tax", product="AmazonEC2", **kw)


def cur(path: Path, rows: Iterable[dict[str, Any]], columns: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_cur(path, rows, columns)


# --- Azure cost details (EA, US dates)

AZURE_COLUMNS = [
    "SubscriptionId",
    "BillingPeriodStartDate",
    "Date",
    "MeterCategory",
    "MeterSubCategory",
    "MeterName",
    "Quantity",
    "UnitOfMeasure",
    "CostInBillingCurrency",
    "BillingCurrency",
    "ResourceLocation",
    "ResourceId",
    "ChargeType",
]


def az_row(
    cost: str, *, date: str = "10/05/2026", qty: str = "24", currency: str = "USD", **kw: str
) -> dict[str, str]:
    """One Azure D2s v3 VM day (24 hours)."""
    row = {
        "SubscriptionId": "sub-1",
        "BillingPeriodStartDate": kw.pop("bp", "10/01/2026"),
        "Date": date,
        "MeterCategory": "Virtual Machines",
        "MeterSubCategory": "Dv3/DSv3 Series",
        "MeterName": "D2 v3/D2s v3",
        "Quantity": qty,
        "UnitOfMeasure": "1 Hour",
        "CostInBillingCurrency": cost,
        "BillingCurrency": currency,
        "ResourceLocation": "westeurope",
        "ResourceId": kw.pop("resource", "/subscriptions/sub-1/vm/a"),
        "ChargeType": "Usage",
    }
    row.update(kw)
    return row


def azure(
    path: Path,
    rows: Sequence[dict[str, str]],
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8-sig",
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(
        buf, fieldnames=list(columns or AZURE_COLUMNS), extrasaction="ignore", lineterminator="\n"
    )
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --- GCP billing export (flat CSV with dotted names, or JSON lines)

GCP_COLUMNS = [
    "billing_account_id",
    "service.description",
    "sku.description",
    "usage_start_time",
    "usage_end_time",
    "project.id",
    "location.region",
    "cost",
    "currency",
    "usage.amount",
    "usage.unit",
    "invoice.month",
    "cost_type",
]


def gcp_row(
    cost: str, *, start: str = "2026-10-05 00:00:00 UTC", amount: str = "3600", **kw: str
) -> dict[str, str]:
    """One hour of an N2 core in europe-west1 (usage.amount in seconds)."""
    row = {
        "billing_account_id": "AAAAAA-BBBBBB-CCCCCC",
        "service.description": "Compute Engine",
        "sku.description": "N2 Instance Core running in Belgium",
        "usage_start_time": start,
        "usage_end_time": kw.pop("end", "2026-10-05 01:00:00 UTC"),
        "project.id": "proj-1",
        "location.region": "europe-west1",
        "cost": cost,
        "currency": kw.pop("currency", "USD"),
        "usage.amount": amount,
        "usage.unit": "seconds",
        "invoice.month": kw.pop("invoice", "202610"),
        "cost_type": "regular",
    }
    row.update(kw)
    return row


def gcp_csv(path: Path, rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns or GCP_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def gcp_record(row: dict[str, str]) -> dict[str, Any]:
    """The nested JSON record of a flat row."""
    rec: dict[str, Any] = {}
    for k, v in row.items():
        parts = k.split(".")
        node = rec
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return rec


def gcp_jsonl(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(gcp_record(r)) + "\n" for r in rows), encoding="utf-8")
    return path


# --- running


def run(sources: Sequence[str | Path], month: str = MONTH, **kw: Any) -> EstimateResult:
    kw.setdefault("factor_set", PINNED_FACTORS)
    return estimate([str(s) for s in sources], month, **kw)


def coverage(result: EstimateResult) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """currency -> (billed, estimated, fallback, excluded); checks the three parts add up exactly."""
    out = {}
    for r in result.coverage.iter_rows(named=True):
        parts = (Decimal(r["estimated_cost"]), Decimal(r["fallback_cost"]), Decimal(r["excluded_cost"]))
        billed = Decimal(r["billed_cost"])
        assert sum(parts) == billed, f"coverage of {r['currency']} does not add up: {parts} vs {billed}"
        out[r["currency"]] = (billed, *parts)
    return out


def billed(result: EstimateResult) -> dict[str, Decimal]:
    return {c: v[0] for c, v in coverage(result).items()}


def cli(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run the CLI; (exit code, stderr)."""
    monkeypatch.setattr("sys.argv", ["cloudcarbon", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    code = exc.value.code
    return (code if isinstance(code, int) else 1), err


def one_line_error(code: int, err: str, expected_code: int, *needles: str) -> None:
    """The CLI failed with ``expected_code`` and one line naming every needle, with no traceback."""
    assert code == expected_code, err
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip() and "Warning" not in ln]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], (n, err)


__all__ = ["CUR_COLUMNS", "cur_row"]
