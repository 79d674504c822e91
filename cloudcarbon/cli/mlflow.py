"""``cloudcarbon mlflow log``: training runs' carbon figures on the matching MLflow runs."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudcarbon._escape import safe_terminal
from cloudcarbon.cli._options import ConfigOpt, FactorsOpt, MonthOpt, OnceCommand, SourcesOpt
from cloudcarbon.config import load_config

__all__ = ["app", "log_command"]

app = typer.Typer(help="Carbon figures of training runs on MLflow runs.", no_args_is_help=True)


def _tag_key(value: str | None) -> str | None:
    from cloudcarbon.tracking import searchable_tag

    if value is not None and not searchable_tag(value):
        raise typer.BadParameter(
            f"{value!r} cannot be searched for in MLflow (empty, or holds a quote, backtick, backslash or "
            "control character); give a plain tag key"
        )
    return value


def log_command(
    month: MonthOpt,
    source: SourcesOpt,
    tracking_uri: Annotated[
        str,
        typer.Option(
            "--tracking-uri",
            envvar="MLFLOW_TRACKING_URI",
            help="MLflow tracking server, e.g. http://127.0.0.1:5000 (default: $MLFLOW_TRACKING_URI).",
        ),
    ],
    run_tag: Annotated[
        str | None,
        typer.Option(
            "--run-tag",
            help="Billing tag key naming a training run, e.g. user:run (default: the config's ai run_tag).",
        ),
    ] = None,
    mlflow_tag: Annotated[
        str | None,
        typer.Option(
            "--mlflow-tag",
            help="MLflow run tag holding the training run's name (default: the run tag without 'user:').",
            callback=_tag_key,
        ),
    ] = None,
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", help="MLflow experiment to search, repeatable (default: all)."),
    ] = None,
    config: ConfigOpt = None,
    factors: FactorsOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing unless something fails.")
    ] = False,
) -> None:
    """Log each training run's kWh, CO2e (with range), per accelerator-hour and SCI figures for a month
    on the MLflow runs tagged with its name (metrics, tags, figures.json and statement.md artifacts).

    Exit codes: 0 when a run matched (the others are listed), 10 tracking server unusable, 11 none matched.

    Example: cloudcarbon mlflow log --month 2026-10 --source aws:exports/cur --tracking-uri http://127.0.0.1:5000
    """
    from cloudcarbon.tracking import NothingMatched, mlflow_log

    report = mlflow_log(
        source,
        month=month,
        config=load_config(config),
        factor_set=factors,
        run_tag=run_tag,
        mlflow_tag=mlflow_tag,
        experiments=experiment or None,
        tracking_uri=tracking_uri,
    )
    if not quiet:
        _print(report)
    if not report.matched:
        billing = report.unmatched_runs.height
        raise NothingMatched(
            f"none of the {billing} training run(s) of {report.month} matched an MLflow run tagged "
            f"{report.mlflow_tag!r}; nothing was logged. Tag the MLflow runs with the run's name or pass "
            "--mlflow-tag / --experiment"
            if billing
            else f"no billing row of {report.month} carries a training run tag "
            f"({', '.join(report.run_tag)}); nothing was logged. Check --run-tag"
        )


def _print(report: object) -> None:
    from rich.console import Console
    from rich.table import Table

    from cloudcarbon.tracking import MlflowLogReport

    assert isinstance(report, MlflowLogReport)
    t = safe_terminal
    table = Table(
        title=f"MLflow runs tagged {t(report.mlflow_tag)}, {report.month}",
        title_justify="left",
    )
    for col, just in (
        ("training run", "left"),
        ("MLflow run", "left"),
        ("experiment", "left"),
        ("status", "left"),
        ("kWh", "right"),
        ("kgCO2e", "right"),
    ):
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for r in report.logged.iter_rows(named=True):
        table.add_row(
            t(r["run"]),
            t(r["mlflow_run_id"]),
            t(r["experiment_id"]),
            r["status"],
            f"{r['kwh']:,.3f}",
            f"{r['kgco2e']:,.3f}",
        )
    for r in report.unmatched_runs.iter_rows(named=True):
        table.add_row(t(r["run"]), "-", "-", "no MLflow run", f"{r['kwh']:,.3f}", f"{r['kgco2e']:,.3f}")
    for r in report.runs_without_figures.iter_rows(named=True):
        table.add_row(
            t(str(r["value"])), t(r["mlflow_run_id"]), t(r["experiment_id"]), "no billing figures", "-", "-"
        )
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # a file or a pipe: keep each row on one line
        console = Console(highlight=False, soft_wrap=True, width=200)
    console.print(table)


app.command(name="log", cls=OnceCommand)(log_command)
