"""User configuration: ``cloudcarbon.toml``.

Example::

    [projects]
    # rules are tried in order; the first that matches names the project
    rules = [
      { tag = "user:project" },                              # the tag's value is the project
      { tag = "user:team", value = "ml", project = "ml-platform" },
      { account = "012345678901", project = "shared-services" },
    ]
    unmatched = "unallocated"   # or "account": rows no rule matches go to "(unallocated)" / their account

    [utilisation]
    cpu = 0.5                  # default average CPU utilisation (factor set default if absent)
    accelerator = 0.5
    overrides = [
      { instance_family = "p4d", cpu = 0.3, accelerator = 0.9 },
      { project = "batch", cpu = 0.8 },
      { tag = "user:workload", value = "inference", accelerator = 0.3 },
    ]

    [grid]
    datasets = ["electricitymaps", "ember", "ccf-appendix-v", "google-region-carbon", "egrid"]
    boundary = "operational"   # or "lifecycle" (factor sets 2026.12.1 on)

    [engine]
    memory_limit = "600MB"          # DuckDB spills to disk beyond this (the process stays under 1 GB)
    threads = 2

The document is validated by the pydantic models of :mod:`cloudcarbon.config_model` (which also hold
the ``CLOUDCARBON_<SECTION>__<KEY>`` environment overrides and the JSON Schema); the frozen dataclasses
below are what the rest of cloudcarbon reads.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cloudcarbon.exceptions import ConfigError
from cloudcarbon.residual_mix import ResidualMixRow
from cloudcarbon.sharing import SharingRule

__all__ = [
    "STAGES",
    "UNALLOCATED",
    "AiOptions",
    "Config",
    "EngineOptions",
    "Instrument",
    "MarketOptions",
    "ProjectRule",
    "StageRule",
    "UtilisationOverride",
    "config_from_mapping",
    "load_config",
]

#: Project name of rows that no allocation rule matched.
UNALLOCATED = "(unallocated)"

#: Lifecycle stages of an AI model's footprint; rows no stage rule matches are ``other``.
STAGES = ("data_processing", "training", "inference", "other")

#: egrid (US EPA eGRID subregions) exists from factor set 2026.12.1 on; last, so older sets are unaffected
DEFAULT_GRID_DATASETS = ("electricitymaps", "ember", "ccf-appendix-v", "google-region-carbon", "egrid")


@dataclass(frozen=True)
class ProjectRule:
    """One allocation rule. Exactly one of ``tag`` or ``account`` is set.

    ``tag`` alone: the tag's (non-empty) value is the project name, optionally prefixed.
    ``tag`` + ``value``: rows whose tag equals ``value`` go to ``project``.
    ``account``: rows of that account go to ``project``.
    """

    tag: str | None = None
    value: str | None = None
    account: str | None = None
    project: str | None = None
    prefix: str = ""


@dataclass(frozen=True)
class StageRule:
    """Lifecycle stage for the rows a selector matches (first matching rule wins).

    Exactly one selector: ``tag`` (+ ``value``; without ``value`` the tag's value is the stage when it
    names one), ``project``, ``instance_family`` or ``service``.
    """

    stage: str | None = None
    tag: str | None = None
    value: str | None = None
    project: str | None = None
    instance_family: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class AiOptions:
    """The AI lens: lifecycle stages, training runs, and request counts for per-inference figures."""

    stages: tuple[StageRule, ...] = ()
    run_tags: tuple[str, ...] = ()
    requests: str | None = None
    functional_unit: str = "request"
    #: CSV of provider functional units (project, month, unit, quantity) for the provider-side SCI for AI
    provider_units: str | None = None


@dataclass(frozen=True)
class UtilisationOverride:
    """Utilisation for the rows a selector matches (first matching override wins)."""

    project: str | None = None
    instance_family: str | None = None
    tag: str | None = None
    value: str | None = None
    stage: str | None = None
    cpu: float | None = None
    accelerator: float | None = None


@dataclass(frozen=True)
class Instrument:
    """A contractual instrument for an inventory location (``[[market.instruments]]``): a PPA, energy
    attribute certificates or a supplier-specific rate covering ``share`` of the location's electricity
    at ``g_co2e_per_kwh``, from month ``start`` to month ``end`` (``YYYY-MM``, inclusive; open if None)."""

    location: str
    kind: str
    share: float
    g_co2e_per_kwh: float
    reference: str
    start: str | None = None
    end: str | None = None

    def active(self, month: str) -> bool:
        """Whether the instrument covers ``month`` (``YYYY-MM``)."""
        return (self.start is None or self.start <= month) and (self.end is None or month <= self.end)


@dataclass(frozen=True)
class MarketOptions:
    """``[market]``: the user's residual-mix file (read and validated when the file is loaded) and
    contractual instruments for inventory locations (docs/method.md section 3.5)."""

    residual_mix: str | None = None
    residual_rows: tuple[ResidualMixRow, ...] = ()
    instruments: tuple[Instrument, ...] = ()


@dataclass(frozen=True)
class EngineOptions:
    """DuckDB settings: spilling to disk is a choice, made explicit here."""

    memory_limit: str = "600MB"
    threads: int | None = None
    temp_directory: str | None = None
    #: ``duckdb`` (embedded, default) or ``spark`` (``cloudcarbon[spark]``, docs/spark.md)
    kind: str = "duckdb"
    #: where the model runs with the Spark engine: ``driver`` (default: the reduced table moves to the
    #: embedded engine on the driver) or ``spark`` (every step on the cluster); docs/spark.md
    spark_model: str = "driver"


@dataclass(frozen=True)
class Config:
    """Everything the estimate can be told; every field has a documented default."""

    project_rules: tuple[ProjectRule, ...] = ()
    unmatched: Literal["unallocated", "account"] = "unallocated"
    cpu_utilisation: float | None = None
    accelerator_utilisation: float | None = None
    utilisation_overrides: tuple[UtilisationOverride, ...] = ()
    grid_datasets: tuple[str, ...] = DEFAULT_GRID_DATASETS
    #: ``[grid] boundary``: operational (default) or lifecycle grid factors; honoured by factor sets
    #: that declare a boundary per grid row (2026.12.1 on), older sets keep their original selection
    grid_boundary: Literal["operational", "lifecycle"] = "operational"
    strict: bool = False
    engine: EngineOptions = field(default_factory=EngineOptions)
    ai: AiOptions = field(default_factory=AiOptions)
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str | None = None
    #: ``[ledger] path``: the ledger file (relative to the configuration file's folder).
    ledger_path: str | None = None
    #: ``[organisation] name`` (or ``[statement] organisation``): the name on statements.
    organisation: str | None = None
    #: ``[[allocation.shared]]``: shared projects split among others (:mod:`cloudcarbon.sharing`).
    sharing: tuple[SharingRule, ...] = ()
    #: ``[market]``: residual mix and contractual instruments for market-based figures.
    market: MarketOptions = field(default_factory=MarketOptions)

    def tag_keys(self) -> tuple[str, ...]:
        """Tag keys the rules read, in first-use order."""
        keys: list[str] = []
        for r in self.project_rules:
            if r.tag and r.tag not in keys:
                keys.append(r.tag)
        for o in self.utilisation_overrides:
            if o.tag and o.tag not in keys:
                keys.append(o.tag)
        for st in self.ai.stages:
            if st.tag and st.tag not in keys:
                keys.append(st.tag)
        for k in (*self.ai.run_tags, *(s.by_tag for s in self.sharing if s.by_tag)):
            if k not in keys:
                keys.append(k)
        return tuple(keys)


def config_from_mapping(data: Mapping[str, Any], *, path: str | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML, validating every key (the environment is not read).

    The document is validated by the pydantic models of :mod:`cloudcarbon.config_model`; an invalid
    key or value raises one :class:`ConfigError` line naming ``path``, the key path and what to do.
    """
    from cloudcarbon.config_model import build_config

    return build_config(data, path=path)


def load_config(path: str | Path | None = None) -> Config:
    """Read ``cloudcarbon.toml``.

    Parameters
    ----------
    path
        The file. ``None`` reads ``./cloudcarbon.toml`` when it exists, else returns the defaults.

    The ``CLOUDCARBON_<SECTION>__<KEY>`` environment variables
    (:data:`cloudcarbon.config_model.ENV_VARIABLES`) override the file's values.

    Raises
    ------
    ConfigError
        The file is missing (when named), not TOML, or has an invalid key or value; or a
        ``CLOUDCARBON_*`` environment variable is invalid or unknown.
    """
    if path is None:
        default = Path("cloudcarbon.toml")
        if not default.is_file():
            from cloudcarbon.config_model import build_config

            return build_config({}, environment=True)
        path = default
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(p, f"cannot read the configuration file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(p, f"not valid TOML: {exc}") from exc
    from cloudcarbon.config_model import build_config

    return build_config(data, path=str(p), environment=True)
