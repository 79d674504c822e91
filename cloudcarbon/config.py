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
    datasets = ["electricitymaps", "ember", "ccf-appendix-v", "google-region-carbon"]

    [engine]
    memory_limit = "600MB"          # DuckDB spills to disk beyond this (the process stays under 1 GB)
    threads = 2
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cloudcarbon.exceptions import ConfigError

__all__ = [
    "STAGES",
    "UNALLOCATED",
    "AiOptions",
    "Config",
    "EngineOptions",
    "ProjectRule",
    "StageRule",
    "UtilisationOverride",
    "load_config",
]

#: Project name of rows that no allocation rule matched.
UNALLOCATED = "(unallocated)"

#: Lifecycle stages of an AI model's footprint; rows no stage rule matches are ``other``.
STAGES = ("data_processing", "training", "inference", "other")

DEFAULT_GRID_DATASETS = ("electricitymaps", "ember", "ccf-appendix-v", "google-region-carbon")


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
class EngineOptions:
    """DuckDB settings: spilling to disk is a choice, made explicit here."""

    memory_limit: str = "600MB"
    threads: int | None = None
    temp_directory: str | None = None


@dataclass(frozen=True)
class Config:
    """Everything the estimate can be told; every field has a documented default."""

    project_rules: tuple[ProjectRule, ...] = ()
    unmatched: Literal["unallocated", "account"] = "unallocated"
    cpu_utilisation: float | None = None
    accelerator_utilisation: float | None = None
    utilisation_overrides: tuple[UtilisationOverride, ...] = ()
    grid_datasets: tuple[str, ...] = DEFAULT_GRID_DATASETS
    strict: bool = False
    engine: EngineOptions = field(default_factory=EngineOptions)
    ai: AiOptions = field(default_factory=AiOptions)
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str | None = None
    #: ``[ledger] path``: the ledger file (relative to the configuration file's folder).
    ledger_path: str | None = None
    #: ``[organisation] name`` (or ``[statement] organisation``): the name on statements.
    organisation: str | None = None

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
        for k in self.ai.run_tags:
            if k not in keys:
                keys.append(k)
        return tuple(keys)


def _utilisation(value: Any, where: str, path: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(path, f"{where} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _str(value: Any, where: str, path: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise ConfigError(path, f"{where} must be a non-empty string, got {value!r}")
    return str(value)


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str, path: str | None) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            path, f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(sorted(allowed))}"
        )


def _project_rules(raw: Any, path: str | None) -> tuple[ProjectRule, ...]:
    if not isinstance(raw, list):
        raise ConfigError(path, "[projects] rules must be a list of tables")
    rules = []
    for i, r in enumerate(raw, 1):
        where = f"[projects] rule {i}"
        if not isinstance(r, dict):
            raise ConfigError(path, f'{where} must be a table like {{ tag = "user:project" }}')
        _check_keys(r, {"tag", "value", "account", "project", "prefix"}, where, path)
        rule = ProjectRule(
            tag=_str(r.get("tag"), f"{where} tag", path),
            value=_str(r.get("value"), f"{where} value", path),
            account=_str(r.get("account"), f"{where} account", path),
            project=_str(r.get("project"), f"{where} project", path),
            prefix=str(r.get("prefix", "")),
        )
        if (rule.tag is None) == (rule.account is None):
            raise ConfigError(path, f"{where} needs exactly one of 'tag' or 'account'")
        if rule.account is not None and rule.project is None:
            raise ConfigError(path, f"{where} maps an account, so it needs 'project'")
        if rule.value is not None and rule.project is None:
            raise ConfigError(path, f"{where} matches a tag value, so it needs 'project'")
        rules.append(rule)
    return tuple(rules)


def _overrides(raw: Any, path: str | None) -> tuple[UtilisationOverride, ...]:
    if not isinstance(raw, list):
        raise ConfigError(path, "[utilisation] overrides must be a list of tables")
    out = []
    for i, o in enumerate(raw, 1):
        where = f"[utilisation] override {i}"
        if not isinstance(o, dict):
            raise ConfigError(path, f"{where} must be a table")
        _check_keys(
            o, {"project", "instance_family", "tag", "value", "stage", "cpu", "accelerator"}, where, path
        )
        ov = UtilisationOverride(
            project=_str(o.get("project"), f"{where} project", path),
            instance_family=_str(o.get("instance_family"), f"{where} instance_family", path),
            tag=_str(o.get("tag"), f"{where} tag", path),
            value=_str(o.get("value"), f"{where} value", path),
            stage=_stage(o.get("stage"), f"{where} stage", path),
            cpu=_utilisation(o.get("cpu"), f"{where} cpu", path),
            accelerator=_utilisation(o.get("accelerator"), f"{where} accelerator", path),
        )
        selectors = [ov.project, ov.instance_family, ov.tag, ov.stage]
        if sum(s is not None for s in selectors) != 1:
            raise ConfigError(path, f"{where} needs exactly one of project, instance_family, tag, stage")
        if ov.tag is not None and ov.value is None:
            raise ConfigError(path, f"{where} selects by tag, so it needs 'value'")
        if ov.cpu is None and ov.accelerator is None:
            raise ConfigError(path, f"{where} sets neither 'cpu' nor 'accelerator'")
        out.append(ov)
    return tuple(out)


def _stage(value: Any, where: str, path: str | None) -> str | None:
    if value is None:
        return None
    if value not in STAGES:
        raise ConfigError(path, f"{where} must be one of {', '.join(STAGES)}, got {value!r}")
    return str(value)


def _ai(raw: Any, path: str | None) -> AiOptions:
    if not isinstance(raw, dict):
        raise ConfigError(path, "[ai] must be a table")
    _check_keys(raw, {"stages", "run_tag", "requests", "functional_unit", "provider_units"}, "[ai]", path)
    stages = raw.get("stages", [])
    if not isinstance(stages, list):
        raise ConfigError(path, "[ai] stages must be a list of tables")
    rules = []
    for i, r in enumerate(stages, 1):
        where = f"[ai] stage rule {i}"
        if not isinstance(r, dict):
            raise ConfigError(path, f'{where} must be a table like {{ tag = "user:stage" }}')
        _check_keys(r, {"stage", "tag", "value", "project", "instance_family", "service"}, where, path)
        rule = StageRule(
            stage=_stage(r.get("stage"), f"{where} stage", path),
            tag=_str(r.get("tag"), f"{where} tag", path),
            value=_str(r.get("value"), f"{where} value", path),
            project=_str(r.get("project"), f"{where} project", path),
            instance_family=_str(r.get("instance_family"), f"{where} instance_family", path),
            service=_str(r.get("service"), f"{where} service", path),
        )
        if sum(x is not None for x in (rule.tag, rule.project, rule.instance_family, rule.service)) != 1:
            raise ConfigError(path, f"{where} needs exactly one of tag, project, instance_family, service")
        if rule.stage is None and not (rule.tag is not None and rule.value is None):
            raise ConfigError(
                path, f"{where} needs 'stage' (only a bare tag rule takes the stage from the tag)"
            )
        rules.append(rule)
    requests = raw.get("requests")
    if requests is not None and path is not None and not Path(str(requests)).is_absolute():
        requests = str(Path(path).parent / str(requests))
    provider_units = raw.get("provider_units")
    if provider_units is not None and path is not None and not Path(str(provider_units)).is_absolute():
        provider_units = str(Path(path).parent / str(provider_units))
    run_tag = raw.get("run_tag", [])
    run_list = [run_tag] if isinstance(run_tag, str) else run_tag
    if not isinstance(run_list, list) or not all(isinstance(k, str) and k for k in run_list):
        raise ConfigError(path, "[ai] run_tag must be a tag key or a list of tag keys (first present wins)")
    return AiOptions(
        stages=tuple(rules),
        run_tags=tuple(run_list),
        requests=None if requests is None else str(requests),
        functional_unit=str(raw.get("functional_unit", "request")),
        provider_units=None if provider_units is None else str(provider_units),
    )


#: A memory size DuckDB accepts: a number and a unit (``600MB``, ``2 GB``, ``1.5GiB``).
_MEMORY_LIMIT = re.compile(r"^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


def config_from_mapping(data: Mapping[str, Any], *, path: str | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML, validating every key."""
    _check_keys(
        data,
        {"projects", "utilisation", "grid", "engine", "estimate", "sources", "ai", "ledger", "organisation",
         "statement"},
        "the file",
        path,
    )  # fmt: skip
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        raise ConfigError(path, "[sources] must hold one table per connector, e.g. [sources.azure]")
    projects = data.get("projects", {})
    util = data.get("utilisation", {})
    grid = data.get("grid", {})
    engine = data.get("engine", {})
    estimate = data.get("estimate", {})
    _check_keys(projects, {"rules", "unmatched"}, "[projects]", path)
    _check_keys(util, {"cpu", "accelerator", "overrides"}, "[utilisation]", path)
    _check_keys(grid, {"datasets"}, "[grid]", path)
    _check_keys(engine, {"memory_limit", "threads", "temp_directory"}, "[engine]", path)
    _check_keys(estimate, {"strict"}, "[estimate]", path)
    unmatched = projects.get("unmatched", "unallocated")
    if unmatched not in ("unallocated", "account"):
        raise ConfigError(path, '[projects] unmatched must be "unallocated" or "account"')
    datasets = grid.get("datasets", list(DEFAULT_GRID_DATASETS))
    if not isinstance(datasets, list) or not datasets or not all(isinstance(d, str) for d in datasets):
        raise ConfigError(path, "[grid] datasets must be a non-empty list of dataset names")
    unknown = sorted(set(datasets) - set(DEFAULT_GRID_DATASETS))
    if unknown:
        raise ConfigError(
            path,
            f"[grid] datasets: unknown {', '.join(unknown)}; known: {', '.join(DEFAULT_GRID_DATASETS)}",
        )
    threads = engine.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ConfigError(path, "[engine] threads must be a positive integer")
    memory_limit = engine.get("memory_limit", EngineOptions.memory_limit)
    if not isinstance(memory_limit, str) or not _MEMORY_LIMIT.match(memory_limit):
        raise ConfigError(
            path,
            f'[engine] memory_limit {memory_limit!r} is not a size; write it like "600MB", "2GB" or "1.5GiB"',
        )
    temp_directory = engine.get("temp_directory")
    if temp_directory is not None and (not isinstance(temp_directory, str) or not temp_directory.strip()):
        raise ConfigError(path, "[engine] temp_directory must be a folder path (text)")
    strict = estimate.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(path, "[estimate] strict must be true or false")
    return Config(
        project_rules=_project_rules(projects.get("rules", []), path),
        unmatched=unmatched,
        cpu_utilisation=_utilisation(util.get("cpu"), "[utilisation] cpu", path),
        accelerator_utilisation=_utilisation(util.get("accelerator"), "[utilisation] accelerator", path),
        utilisation_overrides=_overrides(util.get("overrides", []), path),
        grid_datasets=tuple(datasets),
        strict=strict,
        engine=EngineOptions(
            memory_limit=memory_limit,
            threads=threads,
            temp_directory=temp_directory,
        ),
        sources={k: dict(v) for k, v in sources.items()},
        ai=_ai(data.get("ai", {}), path),
        path=path,
        **_ledger_and_organisation(data, path),
    )


def _ledger_and_organisation(data: Mapping[str, Any], path: str | None) -> dict[str, str | None]:
    """``[ledger] path`` and the organisation (``[organisation] name`` or ``[statement] organisation``)."""
    ledger, org, stmt = data.get("ledger", {}), data.get("organisation", {}), data.get("statement", {})
    for name, table in (("ledger", ledger), ("organisation", org), ("statement", stmt)):
        if not isinstance(table, dict):
            raise ConfigError(path, f"[{name}] must be a table")
    _check_keys(ledger, {"path"}, "[ledger]", path)
    _check_keys(org, {"name"}, "[organisation]", path)
    _check_keys(stmt, {"organisation"}, "[statement]", path)
    return {
        "ledger_path": _str(ledger.get("path"), "[ledger] path", path),
        "organisation": _str(org.get("name"), "[organisation] name", path)
        or _str(stmt.get("organisation"), "[statement] organisation", path),
    }


def load_config(path: str | Path | None = None) -> Config:
    """Read ``cloudcarbon.toml``.

    Parameters
    ----------
    path
        The file. ``None`` reads ``./cloudcarbon.toml`` when it exists, else returns the defaults.

    Raises
    ------
    ConfigError
        The file is missing (when named), not TOML, or has an invalid key or value.
    """
    if path is None:
        default = Path("cloudcarbon.toml")
        if not default.is_file():
            return Config()
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
    return config_from_mapping(data, path=str(p))
