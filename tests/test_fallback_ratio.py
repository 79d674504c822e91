"""The cost-ratio fallback's ratio on effective cost, bounded by the reference band, and the fallback share.

Every expected number is worked out by hand in the comment next to it. The reference table here is
written by the test (not the shipped one), so the arithmetic does not depend on the factor set.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from cloudcarbon.fallback_ratio import (
    FALLBACK_SHARE_THRESHOLD,
    RATIO_BASES,
    fallback_ratios,
    fallback_shares,
    service_class,
)

REFERENCE = pl.DataFrame(
    {
        "provider": ["aws", "aws", "azure", "*"],
        "currency": ["USD", "USD", "USD", "USD"],
        "service_class": ["compute", "*", "*", "*"],
        "kwh_per_cost": [0.09, 0.045, 0.046, 0.044],
        "kwh_per_cost_low": [0.027, 0.014, 0.014, 0.013],
        "kwh_per_cost_high": [0.43, 0.43, 0.45, 0.43],
    }
)


def groups(*rows: tuple[str, str, str, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "ProviderName": pl.String(),
            "BillingCurrency": pl.String(),
            "service_class": pl.String(),
            "energy_kwh": pl.Float64(),
            "effective_cost": pl.Float64(),
        },
        orient="row",
    )


def one(df: pl.DataFrame) -> dict[str, object]:
    assert df.height == 1
    return df.row(0, named=True)


def test_reviewer_aws_case_ratio_on_billed_cost_would_explode_and_is_clamped() -> None:
    # an AWS FOCUS month: the modelled rows have 1,293 kWh. On BilledCost (commitment-covered usage
    # billed at ~0, here 3.00 USD) the ratio was 1293 / 3 = 431 kWh/USD, and 41,000 USD of fallback
    # became 41,000 x 431 = 17.67 GWh. On EffectiveCost (15,000 USD) it is 1293 / 15000 = 0.0862 kWh/USD,
    # inside [0.027, 0.43]: used as observed; 41,000 USD -> 41,000 x 0.0862 = 3,534.2 kWh.
    r = one(fallback_ratios(groups(("aws", "USD", "compute", 1293.0, 15000.0)), REFERENCE))
    assert r["ratio_basis"] == "observed"
    assert r["kwh_per_cost"] == pytest.approx(0.0862)
    assert 41000 * r["kwh_per_cost"] == pytest.approx(3534.2)
    # the same group seen through billed cost (the old behaviour) is clamped to the band's top: 0.43,
    # so 41,000 USD can give at most 41,000 x 0.43 = 17,630 kWh, not 17.67 GWh
    r = one(fallback_ratios(groups(("aws", "USD", "compute", 1293.0, 3.0)), REFERENCE))
    assert r["observed_kwh_per_cost"] == pytest.approx(431.0)
    assert r["ratio_basis"] == "clamped"
    assert r["kwh_per_cost"] == 0.43
    assert 41000 * r["kwh_per_cost"] == pytest.approx(17630.0)


def test_reviewer_azure_case_nothing_modelled_takes_the_reference() -> None:
    # an Azure FOCUS month with nothing modelled: the old ratio was 0 -> 29,000 USD gave 0 kWh. Now the
    # azure '*' reference 0.046 kWh/USD applies: 29,000 x 0.046 = 1,334 kWh.
    r = one(fallback_ratios(groups(("azure", "USD", "*", 0.0, 0.0)), REFERENCE))
    assert r["ratio_basis"] == "reference"
    assert r["observed_kwh_per_cost"] is None
    assert r["kwh_per_cost"] == 0.046
    assert (r["reference_low"], r["reference_high"]) == (0.014, 0.45)
    assert 29000 * r["kwh_per_cost"] == pytest.approx(1334.0)


def test_clamped_up_to_the_low_bound() -> None:
    # 1 kWh on 1,000 USD = 0.001 kWh/USD < low 0.027 -> 0.027
    r = one(fallback_ratios(groups(("aws", "USD", "compute", 1.0, 1000.0)), REFERENCE))
    assert (r["ratio_basis"], r["kwh_per_cost"]) == ("clamped", 0.027)


def test_bounds_are_inclusive() -> None:
    # exactly the low (27 / 1000 = 0.027) and the high (430 / 1000 = 0.43) are observed, not clamped
    out = fallback_ratios(
        groups(("aws", "USD", "compute", 27.0, 1000.0), ("aws", "USD", "compute", 430.0, 1000.0)), REFERENCE
    )
    assert out["ratio_basis"].to_list() == ["observed", "observed"]
    assert out["kwh_per_cost"].to_list() == pytest.approx([0.027, 0.43])


def test_reference_row_lookup_order() -> None:
    out = fallback_ratios(
        groups(
            ("aws", "USD", "storage", 0.0, 0.0),  # no aws/storage row -> aws/* 0.045
            ("oci", "USD", "compute", 0.0, 0.0),  # no oci rows -> */compute absent -> */* 0.044
            ("aws", "usd", "compute", 0.0, 0.0),  # currency compared upper-cased -> aws/compute 0.09
        ),
        REFERENCE,
    )
    assert out["kwh_per_cost"].to_list() == [0.045, 0.044, 0.09]
    assert out["ratio_basis"].to_list() == ["reference"] * 3


def test_currency_without_reference_row() -> None:
    out = fallback_ratios(
        groups(
            ("aws", "JPY", "compute", 5.0, 1000.0),  # 5 / 1000 = 0.005 kWh/JPY, not bounded
            ("aws", "JPY", "*", 0.0, 0.0),  # nothing modelled, no reference: 0, flagged by the caller
        ),
        REFERENCE,
    )
    assert out["ratio_basis"].to_list() == ["unbounded", "none"]
    assert out["kwh_per_cost"].to_list() == pytest.approx([0.005, 0.0])
    assert out["reference_kwh_per_cost"].to_list() == [None, None]


def test_non_positive_cost_or_energy_counts_as_nothing_modelled() -> None:
    # net effective cost -10 (credits) or 0 energy give no observed ratio: the reference is used
    out = fallback_ratios(
        groups(("aws", "USD", "compute", 50.0, -10.0), ("aws", "USD", "compute", 0.0, 100.0)), REFERENCE
    )
    assert out["observed_kwh_per_cost"].to_list() == [None, None]
    assert out["kwh_per_cost"].to_list() == [0.09, 0.09]


def test_output_columns_and_empty_input() -> None:
    out = fallback_ratios(groups(), REFERENCE)
    assert out.height == 0
    assert out.columns == [
        "ProviderName",
        "BillingCurrency",
        "service_class",
        "observed_kwh_per_cost",
        "kwh_per_cost",
        "reference_kwh_per_cost",
        "reference_low",
        "reference_high",
        "ratio_basis",
    ]
    assert set(RATIO_BASES) == {"observed", "clamped", "reference", "unbounded", "none"}


def test_fallback_shares() -> None:
    costs = pl.DataFrame(
        {
            "BillingCurrency": ["USD", "EUR", "GBP", "CHF"],
            # USD: 12,000 estimated, 41,000 fallback -> 41000 / 53000 = 0.773585 > 0.5
            # EUR: 900 and 100 -> 0.1
            # GBP: 50 estimated, -20 fallback (net credit) -> fallback taken as 0 -> 0
            # CHF: nothing -> 0
            "estimated_cost": [12000.0, 900.0, 50.0, 0.0],
            "fallback_cost": [41000.0, 100.0, -20.0, 0.0],
        }
    )
    out = fallback_shares(costs)
    assert out["fallback_share"].to_list() == pytest.approx([41000 / 53000, 0.1, 0.0, 0.0])
    assert out["mostly_fallback"].to_list() == [True, False, False, False]
    assert FALLBACK_SHARE_THRESHOLD == 0.5
    # exactly half is not "most"
    half = fallback_shares(
        pl.DataFrame({"BillingCurrency": ["USD"], "estimated_cost": [5.0], "fallback_cost": [5.0]})
    )
    assert half["mostly_fallback"].to_list() == [False]


def test_service_class() -> None:
    rows = pl.DataFrame(
        {
            "ServiceName": [
                "AmazonEC2",
                "AmazonEC2",
                "Amazon Simple Storage Service",
                "Virtual Machines",
                "Storage",
                "Compute Engine",
                "Azure DB for MySQL",
                None,
                "AmazonS3",
                "AWSLambda",
                "Azure Kubernetes Service",
            ],
            "product_family": [None] * 11,
            "usage_type": [
                "USE1-BoxUsage:m5.large",
                "USE1-EBS:VolumeUsage.gp3",
                "TimedStorage-ByteHrs",
                "Virtual Machines|Dv3 Series|D2 v3",
                "Storage|Premium SSD Managed Disks|P4 LRS Disk",
                "N2 Instance Core running in Americas",
                "vCore",
                None,
                "Requests-Tier1",
                "Request",
                "Standard vCore",
            ],
        }
    )
    got = rows.select(service_class().alias("c"))["c"].to_list()
    assert got == [
        *("compute", "storage", "storage", "compute", "storage", "compute", "*", "*"),
        *("storage", "compute", "compute"),
    ]


def test_reference_ratio_follows_the_whole_server_boundary_in_2026_12_1() -> None:
    # AWS m5.large at 0.096 USD/h, cpu_power '*' 0.74-3.5 W/vCPU, PUE 1.135, no memory term:
    #   central E(0.5) = 2 x (0.74 + 0.5 x 2.76) = 4.24 W x 1.135 / 1000 = 0.0048124 kWh / 0.096
    #           = 0.0501292 kWh/USD; low E(0) = 1.48 W x 1.135 / 1000 / (2 x 0.096) = 0.0087490;
    #   high E(1) = 7 W x 1.135 / 1000 / (0.28 x 0.096) = 0.2955729
    # 2026.12 keeps the memory term 8 x 0.392 W: (4.24 + 3.136) x 1.135 / 1000 / 0.096 = 0.0872058
    from cloudcarbon.factors import load_factor_set

    def aws_compute(version: str) -> dict[str, Any]:
        t = load_factor_set(version).table("fallback_reference_ratios")
        (row,) = t.filter(
            (pl.col("provider") == "aws")
            & (pl.col("currency") == "USD")
            & (pl.col("service_class") == "compute")
        ).iter_rows(named=True)
        return row

    new = aws_compute("2026.12.1")
    assert new["kwh_per_cost"] == pytest.approx(0.0501292, abs=1e-6)
    assert new["kwh_per_cost_low"] == pytest.approx(0.0087490, abs=1e-6)
    assert new["kwh_per_cost_high"] == pytest.approx(0.2955729, abs=1e-6)
    assert aws_compute("2026.12")["kwh_per_cost"] == pytest.approx(0.0872058, abs=1e-6)
