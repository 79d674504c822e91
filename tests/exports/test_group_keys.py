"""``estimate(keys=...)``: factor columns kept as group keys change no figure; the accelerators' embodied
part is summed per group."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.exports import EXPORT_KEYS
from cloudcarbon.pipeline import estimate
from tests.conftest import cur_row


def _rows() -> list[dict[str, object]]:
    return [
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web"),
        cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2"),
        cur_row("BoxUsage:p4d.24xlarge", 1, "32.7726", "Hrs", instance="p4d.24xlarge"),
        cur_row("NatGateway-Hours", 24, "1.08", "Hrs"),
        cur_row("", 0, "0.42", "", line_item_type="Tax"),
    ]


def test_keys_change_no_figure(cur_file: Callable[..., Path]) -> None:
    path = cur_file(_rows())
    plain = estimate([path], "2026-10", group_by=("project", "region"))
    keyed = estimate([path], "2026-10", group_by=("project", "region"), keys=EXPORT_KEYS)
    assert set(EXPORT_KEYS) <= set(keyed.groups.columns)
    assert_frame_equal(plain.lines, keyed.lines)
    p, k = plain.totals.row(0, named=True), keyed.totals.row(0, named=True)
    assert p.keys() == k.keys()
    for name, value in p.items():
        # figures within float noise; market/water reasons (text) and null figures exactly
        if isinstance(value, float):
            assert k[name] == pytest.approx(value, rel=1e-12), name
        else:
            assert k[name] == value, name
    assert_frame_equal(plain.coverage, keyed.coverage)


def test_accelerator_embodied_part(cur_file: Callable[..., Path]) -> None:
    result = estimate([cur_file(_rows())], "2026-10", keys=EXPORT_KEYS)
    p4d = result.groups.filter(result.groups["instance_key"] == "p4d.24xlarge").row(0, named=True)
    # 8 x NVIDIA A100 SXM4 40GB for 1 h at 150 kg each over 35,040 h; the host part is the rest
    assert p4d["embodied_accelerator_co2e_kg"] == pytest.approx(8 * 150 / 35040, rel=1e-9)
    assert p4d["embodied_co2e_kg"] - p4d["embodied_accelerator_co2e_kg"] == pytest.approx(
        3476.79 / 35040, rel=1e-6
    )
    m5 = result.groups.filter(result.groups["instance_key"] == "m5.large")
    assert m5["embodied_accelerator_co2e_kg"].to_list() == [0.0, 0.0]


def test_unknown_key_refused(cur_file: Callable[..., Path]) -> None:
    with pytest.raises(CloudCarbonError, match="cannot keep 'SubAccountId' as a key"):
        estimate([cur_file(_rows())], "2026-10", keys=("SubAccountId",))
