"""cloudcarbon: turn the cloud bills an organisation already has into carbon statements.

Library API (the CLI is a thin layer over it)::

    import cloudcarbon as cc

    result = cc.estimate(["aws:exports/cur"], "2026-10", config=cc.load_config("cloudcarbon.toml"))
    result.lines      # polars DataFrame: one row per project with cost, kWh, kgCO2e and bounds
    result.totals     # polars DataFrame, one row: every figure summed (result.total("co2e_kg") -> float)
    result.coverage   # billed cost = estimated + fallback + excluded, exactly

    sources, config = cc.demo_sources("demo-data")   # the bundled demo organisation, to try it out

A worked walkthrough: docs/notebook.md.
"""

from typing import TYPE_CHECKING, Any

from cloudcarbon._version import __version__
from cloudcarbon.config import Config, load_config
from cloudcarbon.demo import demo_sources
from cloudcarbon.exceptions import (
    CloudCarbonError,
    CloudCarbonWarning,
    ConfigError,
    FactorNotFound,
    FactorSetError,
    MonthNotFound,
    SchemaError,
    SourceError,
    SourceNotFound,
    UnrecognisedExport,
    ValueParseError,
)
from cloudcarbon.factors import FactorSet, available_factor_sets, load_factor_set
from cloudcarbon.pipeline import GROUP_KEYS, estimate, load_usage
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import CANONICAL_USAGE

__all__ = [
    "CANONICAL_USAGE",
    "GROUP_KEYS",
    "CloudCarbonError",
    "CloudCarbonWarning",
    "Config",
    "ConfigError",
    "EnrichResult",
    "EstimateResult",
    "FactorNotFound",
    "FactorSet",
    "FactorSetError",
    "MlflowLogReport",
    "MonthNotFound",
    "SchemaError",
    "SourceError",
    "SourceNotFound",
    "UnrecognisedExport",
    "ValueParseError",
    "__version__",
    "available_factor_sets",
    "demo_sources",
    "enrich",
    "estimate",
    "load_config",
    "load_factor_set",
    "load_usage",
    "mlflow_log",
]

#: Imported on first use (``cloudcarbon.enrich``, ``from cloudcarbon import mlflow_log``): their modules
#: load pyarrow's Parquet writer and the MLflow glue, which an estimate does not need at start-up.
_LAZY = {
    "EnrichResult": "cloudcarbon.enrichment",
    "enrich": "cloudcarbon.enrichment",
    "MlflowLogReport": "cloudcarbon.tracking",
    "mlflow_log": "cloudcarbon.tracking",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudcarbon' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from cloudcarbon.enrichment import EnrichResult, enrich
    from cloudcarbon.tracking import MlflowLogReport, mlflow_log
