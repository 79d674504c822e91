"""The assurance pack of a statement: ``cloudcarbon statement --month M --evidence DIR``.

Written into ``DIR``:

``README.txt``
    What each file is, the ledger's head (keep it with the signed statement), and what could not be
    written and why.
``inputs.csv``
    ``path,size,sha256`` of every input file, as recorded.
``config.json``
    The configuration as recorded (canonical JSON), and its sha256 in the README.
``statement.json``
    The statement (:func:`~cloudcarbon.statements.data.statement_data`).
``factors/<table>.csv``
    The factor rows the run can have used, each with its ``source`` and ``licence``: rows of tables
    keyed by provider and region for the (provider, region) pairs of the recorded lines, rows of
    tables keyed by instance type for its instance types, whole tables otherwise (coefficients, units,
    usage-type rules). Tables named ``ccf_*`` belong to the ``ccf`` method and are written only for it.
    Needs the factor set of the record (same version and sha256) on this machine.
``lineage.csv``
    One row per billing row: source file and row, fate and reason, the factor keys used (instance,
    grid region, year and dataset, PUE, usage-type rule) and the figures. It is made by re-running the
    recorded estimate, so the input files must still be where they were recorded with the same
    sha256; the totals of the lineage are then checked against the recorded totals (costs exactly,
    kg and kWh to a relative 1e-9, float sums in another order). When the files are missing or
    changed, the pack is written without lineage and the README says why.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from cloudcarbon._escape import safe_csv_cell
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.ledger import Ledger, RunRecord
from cloudcarbon.results import file_sha256
from cloudcarbon.statements.data import render_json
from cloudcarbon.statements.model import Statement

__all__ = ["LINEAGE_REL_TOL", "Evidence", "write_evidence"]

#: Relative tolerance of the lineage's kg and kWh totals against the recorded totals.
LINEAGE_REL_TOL = 1e-9
_CHECKED = ("energy_kwh", "co2e_kg", "embodied_co2e_kg")


@dataclass
class Evidence:
    """What :func:`write_evidence` wrote: files, and the problems found (also in the README)."""

    directory: Path
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lineage_checked: bool = False


def _write_csv(path: Path, head: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(head)
        for r in rows:
            w.writerow([safe_csv_cell(v) if isinstance(v, str) else v for v in r])


def _factor_rows(run: RunRecord, out: Path, ev: Evidence) -> None:
    from cloudcarbon.factors import load_factor_set

    try:
        fs = load_factor_set(run.factor_set_version)
    except CloudCarbonError as exc:
        ev.problems.append(
            f"factor rows not written: factor set {run.factor_set_version} is not available here ({exc})"
        )
        return
    if fs.sha256 != run.factor_set_hash:
        ev.problems.append(
            f"factor rows not written: the factor set {run.factor_set_version} here has sha256 "
            f"{fs.sha256}, the record names {run.factor_set_hash}"
        )
        return
    keys = [dict(ln.key) for ln in run.lines]
    pairs = {(k.get("provider"), k.get("region")) for k in keys}
    providers = {k.get("provider") for k in keys}
    types = {k.get("instance_type") for k in keys} - {None}
    folder = out / "factors"
    folder.mkdir(parents=True, exist_ok=True)
    for res in fs.descriptor.get("resources", []):
        rel = str(res["path"])
        name = Path(rel).stem
        if not rel.endswith(".csv") or (name.startswith("ccf_") and run.method != "ccf"):
            continue
        df = pl.read_csv(fs.path / rel, infer_schema=False)
        cols = set(df.columns)
        if {"provider", "region"} <= cols:
            df = df.filter(
                pl.struct("provider", "region").map_elements(
                    lambda s: (s["provider"], s["region"]) in pairs, return_dtype=pl.Boolean
                )
            )
        elif "instance_type" in cols:
            df = df.filter(pl.col("instance_type").is_in(sorted(types)))
        elif "provider" in cols:
            df = df.filter(pl.col("provider").is_in(sorted(p for p in providers if p is not None)))
        _write_csv(folder / f"{name}.csv", df.columns, [list(r) for r in df.iter_rows()])
        ev.files.append(f"factors/{name}.csv")


def _inputs_unchanged(run: RunRecord) -> str | None:
    """``None`` when every recorded input is present with its sha256; else why not."""
    for f in run.inputs:
        p = Path(f.path)
        if not p.is_file():
            return f"input file {f.path} is missing"
        if p.stat().st_size != f.size or file_sha256(p) != f.sha256:
            return f"input file {f.path} has changed since it was recorded (sha256 differs)"
    if not run.inputs:
        return "the record lists no input files"
    return None


def _lineage(run: RunRecord, out: Path, ev: Evidence) -> None:
    why = _inputs_unchanged(run)
    if why is not None:
        ev.problems.append(f"lineage.csv not written: {why}; re-run needs the recorded input files")
        return
    from cloudcarbon.pipeline import estimate
    from cloudcarbon.recording import config_from_record

    sources = json.loads(run.assumptions.get("sources", "[]"))
    group_by = json.loads(run.assumptions.get("group_by", '["project"]'))
    target = out / "lineage.csv"
    try:
        result = estimate(
            sources,
            run.month,
            config=config_from_record(run.config_text),
            factor_set=run.factor_set_version,
            group_by=tuple(group_by),
            method=run.method,
            detail_to=target,
        )
    except CloudCarbonError as exc:
        target.unlink(missing_ok=True)
        ev.problems.append(f"lineage.csv not written: re-running the estimate failed ({exc})")
        return
    if result.factor_set.sha256 != run.factor_set_hash:
        ev.problems.append("lineage.csv: the factor set used now differs from the recorded one")
    df = pl.read_csv(target, infer_schema=False)
    mismatches = []
    for name in _CHECKED:
        got = sum(float(v) for v in df[name].drop_nulls().to_list()) if name in df.columns else 0.0
        want = float(run.totals.get(name, Decimal(0)))
        if abs(got - want) > LINEAGE_REL_TOL * max(abs(want), 1.0):
            mismatches.append(f"{name}: lineage {got!r}, recorded {want!r}")
    cost: dict[str, Decimal] = {}
    for cur, v in df.select("BillingCurrency", "BilledCost").iter_rows():
        cost[str(cur)] = cost.get(str(cur), Decimal(0)) + Decimal(v)
    for cur, v in cost.items():
        want_cost = run.totals.get(f"cost_{cur}")
        if want_cost is None or want_cost != v:
            mismatches.append(f"cost {cur}: lineage {v}, recorded {want_cost}")
    ev.files.append("lineage.csv")
    if mismatches:
        ev.problems.append("lineage.csv totals differ from the recorded totals: " + "; ".join(mismatches))
    else:
        ev.lineage_checked = True


def write_evidence(ledger: Ledger, month: str, statement: Statement, directory: Path) -> Evidence:
    """Write the assurance pack of ``month`` into ``directory`` (created when missing)."""
    run = ledger.current(month)
    directory.mkdir(parents=True, exist_ok=True)
    ev = Evidence(directory)
    _write_csv(
        directory / "inputs.csv", ["path", "size", "sha256"], [[f.path, f.size, f.sha256] for f in run.inputs]
    )
    ev.files.append("inputs.csv")
    (directory / "config.json").write_text(
        json.dumps(json.loads(run.config_text), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    ev.files.append("config.json")
    (directory / "statement.json").write_text(render_json(statement), encoding="utf-8")
    ev.files.append("statement.json")
    _factor_rows(run, directory, ev)
    _lineage(run, directory, ev)
    seq, head = ledger.head()
    lines = [
        f"cloudcarbon evidence pack for {month}",
        "",
        f"Ledger: {ledger.path} (head entry #{seq}, sha256 {head})",
        f"Estimate recorded at {run.recorded_at} with method {run.method}, factor set "
        f"{run.factor_set_version} (sha256 {run.factor_set_hash}), cloudcarbon {run.tool_version}.",
        f"Configuration sha256 {run.config_hash} (config.json is the recorded canonical text).",
        "",
        "Files:",
        "  inputs.csv      every input file: path, size in bytes, sha256",
        "  config.json     the configuration as recorded",
        "  statement.json  the statement, figures as exact decimal text",
        "  factors/        factor rows the estimate can have used, with source and licence",
        "  lineage.csv     per billing row: source file and row, fate, factor keys, figures",
        "",
    ]
    if ev.lineage_checked:
        lines.append(
            "lineage.csv totals match the recorded totals (cost exactly, kg and kWh to a relative "
            f"{LINEAGE_REL_TOL:g})."
        )
    if ev.problems:
        lines += ["Not included or not matching:", *[f"  - {p}" for p in ev.problems]]
    (directory / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ev.files.insert(0, "README.txt")
    return ev
