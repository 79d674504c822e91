"""``cloudcarbon close``, ``cloudcarbon verify`` and ``cloudcarbon history``: the ledger's month close."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cloudcarbon._escape import safe_terminal
from cloudcarbon.cli._ledger import LedgerOpt, open_ledger
from cloudcarbon.cli._options import ConfigOpt, MonthOpt
from cloudcarbon.cli._quiet import QuietOpt, notice, quietable
from cloudcarbon.config import load_config
from cloudcarbon.ledger import Delta, HistoryEvent, Restatement
from cloudcarbon.ledger.records import canonical_json

__all__ = ["close_command", "history_command", "verify_command"]


@quietable
def close_command(
    month: MonthOpt, ledger: LedgerOpt = None, config: ConfigOpt = None, quiet: QuietOpt = False
) -> None:
    """Close a month: its current estimate becomes version 1 and is never edited again.

    Estimating a closed month again records a restatement (version 2, 3, ...) with its causes and deltas.

    Example: cloudcarbon close --month 2026-09
    """
    with open_ledger(ledger, load_config(config)) as lg:
        seq = lg.close(month)
        run = lg.current(month)
        notice(
            f"closed {month} (entry #{seq}): version 1 is the estimate recorded at {run.recorded_at}; "
            f"ledger {lg.path}"
        )


def verify_command(ledger: LedgerOpt = None, config: ConfigOpt = None) -> None:
    """Walk the ledger's hash chain: exit 0 when intact, else exit 9 naming the first broken link.

    Example: cloudcarbon verify --ledger ledger.sqlite
    """
    with open_ledger(ledger, load_config(config)) as lg:
        report = lg.verify()
        typer.echo(
            f"ledger {lg.path} is intact: {report.entries} entries, schema {report.schema_version}, "
            f"head sha256 {report.head_sha256} (keep it with each signed statement)"
        )


def _key_text(d: Delta) -> str:
    if d.key is None:
        return "total"
    return ", ".join(f"{g}={'(none)' if v is None else v}" for g, v in d.key)


def _delta_data(d: Delta) -> dict[str, Any]:
    return {
        "key": None if d.key is None else {g: v for g, v in d.key},
        "name": d.name,
        "before": None if d.before is None else str(d.before),
        "after": None if d.after is None else str(d.after),
        "delta": str(d.delta),
    }


def _event_data(e: HistoryEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": e.seq, "kind": e.kind, "recorded_at": e.recorded_at, "version": e.version,
                           "entry_sha256": e.entry_sha256}  # fmt: skip
    if e.run is not None:
        out["factor_set"] = e.run.factor_set_version
        out["method"] = e.run.method
        out["totals"] = {k: str(v) for k, v in sorted(e.run.totals.items())}
    return out


def _restatement_data(r: Restatement) -> dict[str, Any]:
    return {
        "version": r.version,
        "against_version": r.against_version,
        "seq": r.seq,
        "causes": [{"cause": c.cause, "detail": c.detail} for c in r.causes],
        "total_deltas": [_delta_data(d) for d in r.total_deltas],
        "line_deltas": [_delta_data(d) for d in r.line_deltas],
    }


def history_command(
    month: MonthOpt,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    figures: Annotated[
        str, typer.Option("--figures", help="Comma-separated line figures shown per changed line (table).")
    ] = "co2e_kg,energy_kwh,cost",
) -> None:
    """A month's estimates, close and restatements, with the causes and per-line deltas.

    Example: cloudcarbon history --month 2026-09 --figures co2e_kg,energy_kwh
    """
    if fmt not in ("table", "json"):
        raise typer.BadParameter(f"{fmt!r}: choose table or json", param_hint="--format")
    with open_ledger(ledger, load_config(config)) as lg:
        status = lg.status(month)
        events = lg.history(month)
        restatements = lg.restatements(month)
    if fmt == "json":
        typer.echo(
            json.dumps(
                {"month": month, "status": status.label, "version": status.version,
                 "events": [_event_data(e) for e in events],
                 "restatements": [_restatement_data(r) for r in restatements]},
                indent=2, ensure_ascii=False,
            )
        )  # fmt: skip
        return
    from rich.console import Console

    con = Console(highlight=False, soft_wrap=True)
    con.print(f"{month}: {status.label}" + (f", version {status.version}" if status.version else ""))
    for e in events:
        what = e.kind if e.version is None else f"{e.kind} (version {e.version})"
        total = "" if e.run is None else f"  co2e_kg {e.run.totals.get('co2e_kg')}"
        con.print(f"  #{e.seq} {safe_terminal(e.recorded_at)}  {what}{total}")
    shown = {f.strip() for f in figures.split(",") if f.strip()}
    for r in restatements:
        con.print(f"restatement version {r.version} (against version {r.against_version}):")
        for c in r.causes:
            con.print(f"  cause: {safe_terminal(c.cause)}: {safe_terminal(c.detail)}")
        for d in r.total_deltas:
            con.print(f"  total {safe_terminal(d.name)}: {d.before} -> {d.after} ({d.delta:+})")
        by_line: dict[str, list[Delta]] = {}
        for d in r.line_deltas:
            by_line.setdefault(canonical_json([[g, v] for g, v in d.key or ()]), []).append(d)
        for ds in by_line.values():
            picked = [d for d in ds if d.name in shown or d.before is None or d.after is None]
            if not picked:
                continue
            con.print(f"  line {safe_terminal(_key_text(ds[0]))}:")
            for d in picked:
                con.print(f"    {safe_terminal(d.name)}: {d.before} -> {d.after} ({d.delta:+})")
