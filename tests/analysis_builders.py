"""RunRecords built by hand with the recording contract's line keys and figure names."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cloudcarbon.ledger import InputFile, LineRecord, RunRecord

FS1 = ("2026.1", "1" * 64)
FS2 = ("2026.2", "2" * 64)
KEYS = (
    "project",
    "provider",
    "service",
    "region",
    "instance_type",
    "usage_class",
    "stage",
    "fate",
    "currency",
)


def line(
    project: str,
    instance_type: str = "m5.large",
    *,
    region: str = "eu-west-1",
    fate: str = "estimated",
    currency: str = "USD",
    **figures: str | int,
) -> LineRecord:
    """A line of the contract's granularity; figures given as text or int (exact decimals)."""
    values = ("aws", "AmazonEC2", region, instance_type, "compute", "data_processing", fate, currency)
    key = (("project", project), *zip(KEYS[1:], values, strict=True))
    return LineRecord(key, {k: Decimal(str(v)) for k, v in figures.items()})


def run(
    month: str,
    lines: list[LineRecord],
    *,
    fs: tuple[str, str] = FS1,
    method: str = "cloudcarbon",
    inputs: tuple[InputFile, ...] = (),
    at: str = "2026-11-02T09:00:00Z",
    config_text: str = "{}",
) -> RunRecord:
    totals: dict[str, Decimal] = {}
    for ln in lines:
        for k, v in ln.figures.items():
            totals[k] = totals.get(k, Decimal(0)) + v
    return RunRecord(
        month=month,
        method=method,
        factor_set_version=fs[0],
        factor_set_hash=fs[1],
        factor_set_user_made=False,
        config_hash="c" * 64,
        config_text=config_text,
        tool_version="0.0.0",
        recorded_at=at,
        inputs=inputs,
        lines=tuple(lines),
        totals=totals,
    )


def input_file(path: Path) -> InputFile:
    return InputFile.of(path)
