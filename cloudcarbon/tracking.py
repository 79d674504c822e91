"""Training runs' carbon figures on the matching MLflow runs (``cloudcarbon mlflow log``).

A billing row carries its training run in a tag (``[ai] run_tag``); the AI lens sums the month's figures
per run (:attr:`EstimateResult.ai` ``["runs"]``). :func:`mlflow_log` finds the MLflow runs whose tag
(by default the same key, without AWS's ``user:`` prefix) holds that run's name and logs on each:

* metrics (one point per billing month: step ``YYYYMM``, timestamp the month's first instant, UTC):
  ``cloudcarbon.kwh``, ``cloudcarbon.kgco2e`` and its range ``cloudcarbon.kgco2e_low`` /
  ``cloudcarbon.kgco2e_high``, ``cloudcarbon.embodied_kgco2e``, ``cloudcarbon.accelerator_hours``,
  ``cloudcarbon.kgco2e_per_accelerator_hour``, ``cloudcarbon.total_kgco2e_per_accelerator_hour``
  (operational + embodied), ``cloudcarbon.market_kgco2e`` and ``cloudcarbon.water_l`` (only when a
  market-based or water factor covers all of the run's energy: never a part, never the location-based
  figure) and, when ``[ai] requests`` counts the run's project, ``cloudcarbon.sci``:
  the project's SCI score ``(E x I + M) / R`` in kgCO2e per functional unit;
* tags: ``cloudcarbon.month``, ``cloudcarbon.method``, ``cloudcarbon.factor_set``,
  ``cloudcarbon.factor_set_sha256``, ``cloudcarbon.billing_run``, ``cloudcarbon.project``,
  ``cloudcarbon.stage`` and (with SCI) ``cloudcarbon.sci_functional_unit``;
* artifacts ``cloudcarbon/<month>/figures.json`` (figures, assumptions, factor set, inputs) and
  ``cloudcarbon/<month>/statement.md`` (the same for a reader).

Logging again is idempotent: a metric whose current point at the month's step already has the value is
not logged again (the run is reported ``unchanged``); a restated value is logged at the same step one
millisecond after the latest point there, so it becomes the run's current value (``restated``) and the
earlier point stays in the metric's history. Artifacts are overwritten.

``mlflow-skinny`` (the ``mlflow`` extra) is imported only when a log is asked for.
"""

from __future__ import annotations

import math
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from cloudcarbon._escape import safe_markdown
from cloudcarbon._version import __version__
from cloudcarbon.config import Config
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.factors import FactorSet
from cloudcarbon.results import EstimateResult

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

__all__ = [
    "EXIT_NOTHING_MATCHED",
    "EXIT_TRACKING",
    "METRICS",
    "MlflowLogReport",
    "NothingMatched",
    "TrackingError",
    "metric_step",
    "metric_timestamp",
    "mlflow_log",
]

#: Exit code when the tracking server cannot be used (unreachable, refusing, extra missing).
EXIT_TRACKING = 10
#: Exit code of ``cloudcarbon mlflow log`` when no billing run matched any MLflow run.
EXIT_NOTHING_MATCHED = 11

#: MLflow metric name -> column of ``result.ai["runs"]`` (units in the name).
METRICS: dict[str, str] = {
    "cloudcarbon.kwh": "energy_kwh",
    "cloudcarbon.kgco2e": "co2e_kg",
    "cloudcarbon.kgco2e_low": "co2e_kg_low",
    "cloudcarbon.kgco2e_high": "co2e_kg_high",
    "cloudcarbon.embodied_kgco2e": "embodied_co2e_kg",
    "cloudcarbon.accelerator_hours": "accelerator_hours",
    "cloudcarbon.kgco2e_per_accelerator_hour": "co2e_kg_per_accelerator_hour",
    "cloudcarbon.total_kgco2e_per_accelerator_hour": "total_kg_per_accelerator_hour",
    "cloudcarbon.market_kgco2e": "market_co2e_kg",
    "cloudcarbon.water_l": "water_l",
}
#: Figures logged only when they cover all of the run's energy (a part would read as the whole): the
#: column of the share they cover. Without a factor they are not logged at all (never the location figure).
WHOLE_ONLY: dict[str, str] = {"market_co2e_kg": "market_kwh_share", "water_l": "water_kwh_share"}
SCI_METRIC = "cloudcarbon.sci"

# characters an MLflow search filter cannot quote in a tag key (the key goes between backticks)
_BAD_TAG_KEY = re.compile(r"[`'\"\\\x00-\x1f\x7f]")
_PAGE = 1000


class TrackingError(CloudCarbonError):
    """The MLflow tracking server cannot be used: unreachable, refusing a call, or the extra missing."""

    exit_code = EXIT_TRACKING


class NothingMatched(CloudCarbonError):
    """No training run of the month matched an MLflow run, so nothing was logged."""

    exit_code = EXIT_NOTHING_MATCHED


@dataclass(frozen=True)
class MlflowLogReport:
    """What :func:`mlflow_log` did.

    Attributes
    ----------
    month
        The billing month logged (``YYYY-MM``).
    run_tag
        The billing tag key(s) that name a training run.
    mlflow_tag
        The MLflow run tag matched against the billing run's name.
    logged
        One row per (billing run, MLflow run) pair: ``run``, ``mlflow_run_id``, ``experiment_id``,
        ``status`` (``logged``, ``unchanged`` or ``restated``), ``metrics`` (points written) and the
        run's ``kwh`` and ``kgco2e``.
    unmatched_runs
        Billing runs with figures this month and no MLflow run: ``run``, ``project``, ``kwh``,
        ``kgco2e``.
    runs_without_figures
        MLflow runs carrying ``mlflow_tag`` whose value has no billing figures this month:
        ``mlflow_run_id``, ``experiment_id``, ``value``.
    """

    month: str
    run_tag: tuple[str, ...]
    mlflow_tag: str
    logged: pl.DataFrame
    unmatched_runs: pl.DataFrame
    runs_without_figures: pl.DataFrame

    @property
    def matched(self) -> bool:
        """True when at least one billing run matched an MLflow run."""
        return self.logged.height > 0


def metric_step(month: str) -> int:
    """The metric step of a billing month: ``2026-10`` -> ``202610``."""
    return int(month[:4]) * 100 + int(month[5:7])


def metric_timestamp(month: str) -> int:
    """The metric timestamp of a billing month: its first instant (UTC) in milliseconds since the epoch."""
    start = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)
    return int(start.timestamp() * 1000)


def searchable_tag(key: str) -> bool:
    """Whether an MLflow tag key can be searched for (it goes between backticks in a filter string)."""
    return bool(key) and _BAD_TAG_KEY.search(key) is None


def default_mlflow_tag(run_tag: str) -> str:
    """The MLflow tag matched by default: the billing tag key without AWS's ``user:`` prefix."""
    return run_tag.removeprefix("user:")


def mlflow_log(
    result: EstimateResult | Sequence[str],
    *,
    tracking_uri: str,
    run_tag: str | None = None,
    mlflow_tag: str | None = None,
    experiments: Sequence[str] | None = None,
    month: str | None = None,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
) -> MlflowLogReport:
    """Log each training run's figures for a month on the MLflow runs that carry its name.

    Parameters
    ----------
    result
        An :class:`EstimateResult` (its ``ai["runs"]`` is logged), or billing sources to estimate
        (then ``month`` is required, and ``config`` / ``factor_set`` are passed to :func:`estimate`).
    tracking_uri
        The MLflow tracking server, e.g. ``http://127.0.0.1:5000``.
    run_tag
        The billing tag key naming a training run. With sources, it replaces ``[ai] run_tag`` of the
        configuration; with a result, it must be one of the keys the result was estimated with. Default:
        the configuration's ``[ai] run_tag``.
    mlflow_tag
        The MLflow run tag whose value is matched (exactly) against the billing run's name. Default:
        ``run_tag`` without a leading ``user:`` (AWS's prefix for user tags).
    experiments
        MLflow experiment names to search; default every active experiment.

    Returns
    -------
    MlflowLogReport
        What was logged where, the billing runs no MLflow run carries, and the MLflow runs carrying the
        tag with no figures this month.

    Raises
    ------
    TrackingError
        The tracking server is unreachable or refuses a call, an experiment does not exist, or
        ``mlflow-skinny`` is not installed (``pip install 'cloudcarbon[mlflow]'``).
    """
    res, keys = _result(result, run_tag, month, config, factor_set)
    tag = mlflow_tag if mlflow_tag is not None else default_mlflow_tag(run_tag or keys[0])
    if not searchable_tag(tag):
        raise CloudCarbonError(
            f"MLflow tag {tag!r} cannot be searched for (empty, or holds a quote, backtick, backslash or "
            "control character); pass --mlflow-tag with a plain tag key"
        )
    client = _client(tracking_uri)
    with _calls(tracking_uri):
        experiment_ids = _experiment_ids(client, experiments)
        candidates = _tagged_runs(client, experiment_ids, tag)
        return _log_all(client, res, keys, tag, candidates)


def _result(
    result: EstimateResult | Sequence[str],
    run_tag: str | None,
    month: str | None,
    config: Config | None,
    factor_set: FactorSet | str | None,
) -> tuple[EstimateResult, tuple[str, ...]]:
    """The estimate to log and the billing run-tag keys it was made with."""
    if isinstance(result, EstimateResult):
        ai = result.config.get("ai") or {}
        keys = tuple(ai.get("run_tags") or ())
        if run_tag is not None and run_tag not in keys:
            have = ", ".join(keys) if keys else "none"
            raise CloudCarbonError(
                f"the result was estimated with [ai] run_tag {have}, not {run_tag!r}; estimate again with "
                f"that run tag (or leave run_tag out)"
            )
        if not keys:
            raise CloudCarbonError("the result has no training runs: set [ai] run_tag or pass run_tag")
        return result, keys
    if isinstance(result, str):
        raise TypeError("pass the sources as a list of strings, not one string")
    if month is None:
        raise CloudCarbonError("mlflow_log with billing sources needs month='YYYY-MM'")
    from cloudcarbon.config import load_config
    from cloudcarbon.pipeline import estimate

    cfg = config if config is not None else load_config(None)
    if run_tag is not None:
        cfg = replace(cfg, ai=replace(cfg.ai, run_tags=(run_tag,)))
    if not cfg.ai.run_tags:
        raise CloudCarbonError(
            "no billing tag names a training run: pass --run-tag KEY or set [ai] run_tag in cloudcarbon.toml"
        )
    return estimate(list(result), month, config=cfg, factor_set=factor_set), cfg.ai.run_tags


def _client(tracking_uri: str) -> MlflowClient:
    import warnings

    try:
        with warnings.catch_warnings():
            # mlflow's own pydantic models name fields model_*; pydantic before 2.10 warns about each
            warnings.filterwarnings("ignore", message=r"Field \"model_", category=UserWarning)
            from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise TrackingError(
            f"logging to MLflow needs mlflow-skinny, which is not installed ({exc.name or exc}); "
            "run: pip install 'cloudcarbon[mlflow]'"
        ) from None
    _check_reachable(tracking_uri)
    return MlflowClient(tracking_uri=tracking_uri)


def _shown(uri: str) -> str:
    """The tracking URI as shown in messages: any password replaced by ``***``."""
    parts = urllib.parse.urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _check_reachable(uri: str) -> None:
    """Fail fast (one line, no retries) when an HTTP tracking server does not answer ``/health``."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return
    url = uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # http(s) only, checked above
            resp.read(64)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response's socket
        raise TrackingError(
            f"MLflow tracking server {_shown(uri)} answered /health with HTTP {exc.code}; "
            "check --tracking-uri"
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingError(
            f"cannot reach the MLflow tracking server at {_shown(uri)} ({reason}); start it or fix "
            "--tracking-uri (or MLFLOW_TRACKING_URI)"
        ) from None


@contextmanager
def _calls(uri: str) -> Iterator[None]:
    """MLflow and HTTP failures during the log become one :class:`TrackingError` line."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        first = str(exc.message if hasattr(exc, "message") else exc).strip().splitlines()
        why = first[0] if first else type(exc).__name__
        raise TrackingError(f"MLflow tracking server {_shown(uri)} refused a call: {why}") from None
    except OSError as exc:  # requests' ConnectionError is an OSError
        raise TrackingError(f"lost the MLflow tracking server at {_shown(uri)} ({exc})") from None


def _experiment_ids(client: MlflowClient, names: Sequence[str] | None) -> list[str]:
    if names:
        ids = []
        for name in names:
            exp = client.get_experiment_by_name(name)
            if exp is None:
                raise TrackingError(
                    f"no MLflow experiment named {name!r} on the tracking server; check --experiment"
                )
            ids.append(exp.experiment_id)
        return ids
    ids, token = [], None
    while True:
        page = client.search_experiments(max_results=_PAGE, page_token=token)
        ids.extend(e.experiment_id for e in page)
        token = page.token
        if not token:
            return ids


def _tagged_runs(client: MlflowClient, experiment_ids: list[str], tag: str) -> list[Any]:
    """Every run carrying ``tag`` (any value). Values are compared in Python, exactly: a run name holding
    quotes or wildcards never reaches the filter string."""
    if not experiment_ids:
        return []
    runs: list[Any] = []
    token = None
    while True:
        page = client.search_runs(
            experiment_ids, filter_string=f"tags.`{tag}` LIKE '%'", max_results=_PAGE, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _figures(res: EstimateResult) -> list[dict[str, Any]]:
    """Per billing run: its row of ``ai["runs"]`` and, when requests are known, its project's SCI."""
    runs = res.ai.get("runs")
    if runs is None:
        return []
    sci: dict[str, tuple[float, str]] = {}
    req = res.ai.get("requests")
    if req is not None:
        for r in req.iter_rows(named=True):
            if r["sci_kg_per_unit"] is not None:
                sci[r["project"]] = (float(r["sci_kg_per_unit"]), str(r["functional_unit"]))
    out = []
    for row in runs.iter_rows(named=True):
        row = dict(row)
        row["sci"] = sci.get(row["project"])
        out.append(row)
    return out


def _metrics(row: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for name, col in METRICS.items():
        v = row.get(col)
        share = row.get(WHOLE_ONLY[col]) if col in WHOLE_ONLY else 1.0
        if share is None or share < 1 - 1e-12:
            continue
        if v is not None and not math.isnan(float(v)):
            out[name] = float(v)
    if row.get("sci") is not None:
        out[SCI_METRIC] = row["sci"][0]
    return out


def _log_all(
    client: MlflowClient, res: EstimateResult, keys: tuple[str, ...], tag: str, candidates: list[Any]
) -> MlflowLogReport:
    figures = _figures(res)
    by_name = {str(f["run"]): f for f in figures}
    matches: dict[str, list[Any]] = {}
    without: list[dict[str, Any]] = []
    for run in candidates:
        value = run.data.tags.get(tag)
        if value in by_name:
            matches.setdefault(value, []).append(run)
        else:
            without.append(
                {"mlflow_run_id": run.info.run_id, "experiment_id": run.info.experiment_id, "value": value}
            )
    logged: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for fig in figures:
        name = str(fig["run"])
        if name not in matches:
            unmatched.append(
                {"run": name, "project": fig["project"], "kwh": fig["energy_kwh"], "kgco2e": fig["co2e_kg"]}
            )
            continue
        for run in matches[name]:
            status, written = _log_one(client, run.info.run_id, res, keys, tag, fig)
            logged.append(
                {
                    "run": name,
                    "mlflow_run_id": run.info.run_id,
                    "experiment_id": run.info.experiment_id,
                    "status": status,
                    "metrics": written,
                    "kwh": fig["energy_kwh"],
                    "kgco2e": fig["co2e_kg"],
                }
            )
    return MlflowLogReport(
        month=res.month,
        run_tag=keys,
        mlflow_tag=tag,
        logged=pl.DataFrame(
            logged,
            schema={
                "run": pl.String,
                "mlflow_run_id": pl.String,
                "experiment_id": pl.String,
                "status": pl.String,
                "metrics": pl.Int64,
                "kwh": pl.Float64,
                "kgco2e": pl.Float64,
            },
        ),
        unmatched_runs=pl.DataFrame(
            unmatched,
            schema={"run": pl.String, "project": pl.String, "kwh": pl.Float64, "kgco2e": pl.Float64},
        ),
        runs_without_figures=pl.DataFrame(
            without, schema={"mlflow_run_id": pl.String, "experiment_id": pl.String, "value": pl.String}
        ),
    )


def _log_one(
    client: MlflowClient,
    run_id: str,
    res: EstimateResult,
    keys: tuple[str, ...],
    tag: str,
    fig: Mapping[str, Any],
) -> tuple[str, int]:
    """Log one billing run's figures on one MLflow run; return its status and the points written."""
    from mlflow.entities import Metric, RunTag

    step, base = metric_step(res.month), metric_timestamp(res.month)
    points, restated = [], False
    for key, value in _metrics(fig).items():
        at_step = [m for m in client.get_metric_history(run_id, key) if m.step == step]
        if not at_step:
            points.append(Metric(key, value, base, step))
            continue
        current = max(at_step, key=lambda m: (m.timestamp, m.value))
        if current.value != value:
            points.append(Metric(key, value, current.timestamp + 1, step))
            restated = True
    tags = {
        "cloudcarbon.month": res.month,
        "cloudcarbon.method": res.method,
        "cloudcarbon.factor_set": res.factor_set.label,
        "cloudcarbon.factor_set_sha256": res.factor_set.sha256,
        "cloudcarbon.billing_run": str(fig["run"]),
        "cloudcarbon.run_tag": ", ".join(keys),
        "cloudcarbon.project": str(fig["project"]),
        "cloudcarbon.stage": str(fig["stage"]),
        "cloudcarbon.version": __version__,
    }
    if fig.get("sci") is not None:
        tags["cloudcarbon.sci_functional_unit"] = fig["sci"][1]
    client.log_batch(run_id, metrics=points, tags=[RunTag(k, v) for k, v in tags.items()])
    doc = figures_document(res, keys, tag, fig)
    from cloudcarbon.reports.json import dumps

    client.log_text(run_id, dumps(doc) + "\n", f"cloudcarbon/{res.month}/figures.json")
    client.log_text(run_id, statement_markdown(doc), f"cloudcarbon/{res.month}/statement.md")
    status = "restated" if restated else "logged" if points else "unchanged"
    return status, len(points)


def figures_document(
    res: EstimateResult, keys: Sequence[str], tag: str, fig: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``figures.json`` artifact of one training run: figures with units, how they were made."""
    from cloudcarbon.reports.base import number

    sci = fig.get("sci")
    return {
        "tool": {"name": "cloudcarbon", "version": __version__},
        "month": res.month,
        "billing_run": str(fig["run"]),
        "run_tag": list(keys),
        "mlflow_tag": tag,
        "project": fig["project"],
        "stage": fig["stage"],
        "metric_step": metric_step(res.month),
        "metric_timestamp_ms": metric_timestamp(res.month),
        "figures": {name: number(fig.get(col)) for name, col in METRICS.items()},
        "sci": None
        if sci is None
        else {
            "kgco2e_per_unit": number(sci[0]),
            "functional_unit": sci[1],
            "boundary": f"project {fig['project']}: all its usage this month, operational + embodied",
        },
        "method": res.method,
        "factor_set": {
            "version": res.factor_set.version,
            "sha256": res.factor_set.sha256,
            "user_made": res.factor_set.user_made,
        },
        "assumptions": {**res.assumptions},
        "inputs": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in res.inputs],
    }


_LABELS = {
    "cloudcarbon.kwh": ("Energy", "kWh"),
    "cloudcarbon.kgco2e": ("CO2e (operational)", "kg"),
    "cloudcarbon.kgco2e_low": ("CO2e, low end of range", "kg"),
    "cloudcarbon.kgco2e_high": ("CO2e, high end of range", "kg"),
    "cloudcarbon.embodied_kgco2e": ("Embodied CO2e", "kg"),
    "cloudcarbon.accelerator_hours": ("Accelerator-hours", "h"),
    "cloudcarbon.kgco2e_per_accelerator_hour": ("CO2e per accelerator-hour", "kg/h"),
    "cloudcarbon.total_kgco2e_per_accelerator_hour": ("CO2e incl. embodied per accelerator-hour", "kg/h"),
    "cloudcarbon.market_kgco2e": ("Market-based CO2e", "kg"),
    "cloudcarbon.water_l": ("Water (on-site + electricity)", "L"),
}


def statement_markdown(doc: Mapping[str, Any]) -> str:
    """The ``statement.md`` artifact: a training run's month in a table, user text escaped."""
    m = safe_markdown
    lines = [
        f"# Carbon statement of training run {m(doc['billing_run'])}, {doc['month']}",
        "",
        f"Project {m(str(doc['project']))}, stage {m(str(doc['stage']))}. Estimated by cloudcarbon "
        f"{doc['tool']['version']} from the cloud bill (method {m(doc['method'])}, factor set "
        f"{m(doc['factor_set']['version'])}{' (user-made)' if doc['factor_set']['user_made'] else ''}).",
        "",
        "| figure | value | unit | MLflow metric |",
        "|---|---:|---|---|",
    ]
    for name, value in doc["figures"].items():
        label, unit = _LABELS[name]
        shown = "n/a" if value is None else f"{value:.6g}"
        lines.append(f"| {label} | {shown} | {unit} | `{name}` |")
    sci = doc["sci"]
    if sci is not None:
        lines.append(
            f"| SCI of the project | {sci['kgco2e_per_unit']:.6g} | kg per {m(sci['functional_unit'])} "
            f"| `{SCI_METRIC}` |"
        )
    lines += [
        "",
        "The range is the low and high ends of the estimate (utilisation, accelerator, grid, fallback and "
        "embodied bands). Assumptions, input files and their sha256 are in figures.json next to this file.",
        "",
    ]
    return "\n".join(lines)
