"""``cloudcarbon.toml`` as pydantic models: validation, ``CLOUDCARBON_*`` environment, JSON Schema.

:func:`cloudcarbon.config.load_config` reads the file with :mod:`tomllib`, validates the whole document
against :class:`ConfigFile` (every table and key, unknown keys refused), overlays the
``CLOUDCARBON_*`` environment variables (:data:`ENV_VARIABLES`, read with pydantic-settings; the
environment overrides the file) and builds the frozen :class:`~cloudcarbon.config.Config` the rest of
cloudcarbon reads. A validation error becomes one :class:`~cloudcarbon.exceptions.ConfigError` line
naming the file, the key path (``[projects] rules[2].tagg``, list positions counted from 1 as in the
file) and what to do; an unknown key is named with the nearest valid one.

:func:`config_json_schema` is the JSON Schema (Draft 2020-12) of the file, generated from the models;
the package ships it as ``cloudcarbon/config.schema.json`` for editors (taplo: ``#:schema`` directive or
a ``"$schema"`` key) and ``cloudcarbon config schema`` prints it.

Adding a section: write a ``class XSection(_Table)`` below, add a field for it to :class:`ConfigFile`,
and read it in :func:`build_config`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_settings import BaseSettings, SettingsConfigDict

from cloudcarbon.config import (
    DEFAULT_GRID_DATASETS,
    AiOptions,
    Config,
    EngineOptions,
    Instrument,
    MarketOptions,
    ProjectRule,
    StageRule,
    UtilisationOverride,
)
from cloudcarbon.exceptions import ConfigError
from cloudcarbon.residual_mix import read_residual_mix
from cloudcarbon.sharing import sharing_rules

__all__ = [
    "ENV_PREFIX",
    "ENV_VARIABLES",
    "SCHEMA_ID",
    "ConfigFile",
    "build_config",
    "config_json_schema",
    "environment_overrides",
    "schema_text",
    "validate_document",
]

#: The ``$id`` of the published schema (an identifier, not a download address).
SCHEMA_ID = "urn:cloudcarbon:config-schema:1"
#: Prefix of the environment variables that override the file.
ENV_PREFIX = "CLOUDCARBON_"

# ---------------------------------------------------------------------------------------------------------
# value types: each carries its own check, its message and its JSON Schema


def _int_as_text(value: Any) -> Any:
    """An account id or tag value written as a TOML integer is the same text (``123456789012``)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


#: A non-empty string (a tag key or value, an account, a project name); a TOML integer reads as its text.
Text = Annotated[
    str,
    BeforeValidator(_int_as_text),
    Field(min_length=1),
    WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}),
]


def _unit_interval(value: float) -> float:
    if not 0 <= value <= 1:  # also refuses nan
        raise ValueError(f"must be a number between 0 and 1, got {value}")
    return value


# One check per alias, the schema added on top: pydantic-settings 2.3 reads an Annotated with a single
# metadata item only, so the environment model uses the check-only aliases (_UnitInterval, _Size, ...).
_UnitInterval = Annotated[float, AfterValidator(_unit_interval)]
#: An average utilisation: a fraction between 0 and 1.
Utilisation = Annotated[_UnitInterval, Field(json_schema_extra={"minimum": 0, "maximum": 1})]

#: A memory size DuckDB accepts: a number and a unit (``600MB``, ``2 GB``, ``1.5GiB``), any letter case.
MEMORY_LIMIT_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([KkMmGgTt]?[Bb]|[KkMmGgTt][Ii][Bb])\s*$"


def _memory_limit(value: str) -> str:
    if not re.match(MEMORY_LIMIT_PATTERN, value):
        raise ValueError(f'{value!r} is not a size; write it like "600MB", "2GB" or "1.5GiB"')
    return value


_Size = Annotated[str, AfterValidator(_memory_limit)]
MemoryLimit = Annotated[_Size, Field(json_schema_extra={"pattern": MEMORY_LIMIT_PATTERN})]


def _folder(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a folder path (text)")
    return value


_FolderText = Annotated[str, AfterValidator(_folder)]
Folder = Annotated[_FolderText, Field(json_schema_extra={"pattern": r"\S"})]
Threads = Annotated[int, Field(ge=1)]
Stage = Literal["data_processing", "training", "inference", "other"]
Dataset = Literal["electricitymaps", "ember", "ccf-appendix-v", "google-region-carbon", "egrid"]
Boundary = Literal["operational", "lifecycle"]
Unmatched = Literal["unallocated", "account"]


def _one_or_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------------------------
# the tables of cloudcarbon.toml


class _Table(BaseModel):
    """A TOML table: unknown keys are errors, values are taken as written (no "2" for 2)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ProjectRuleModel(_Table):
    """One allocation rule; the first that matches a row names its project."""

    model_config = ConfigDict(
        title="Project rule",
        json_schema_extra={
            "oneOf": [{"required": ["tag"]}, {"required": ["account"]}],
            "dependentRequired": {"account": ["project"], "value": ["project"]},
        },
    )

    tag: Text | None = Field(default=None, description="Tag key; alone, the tag's value is the project name.")
    value: Text | None = Field(
        default=None, description="With tag: rows whose tag has this value go to project."
    )
    account: Text | None = Field(
        default=None, description="Rows of this account (or subscription) go to project."
    )
    project: Text | None = Field(default=None, description="The project name the rule assigns.")
    prefix: str = Field(default="", description="Prefix for project names taken from a tag's value.")

    @model_validator(mode="after")
    def _shape(self) -> ProjectRuleModel:
        if (self.tag is None) == (self.account is None):
            raise ValueError("needs exactly one of 'tag' or 'account'")
        if self.account is not None and self.project is None:
            raise ValueError("maps an account, so it needs 'project'")
        if self.value is not None and self.project is None:
            raise ValueError("matches a tag value, so it needs 'project'")
        return self


class ProjectsSection(_Table):
    """[projects]: how billing rows are allocated to projects."""

    model_config = ConfigDict(title="[projects]")

    rules: list[ProjectRuleModel] = Field(
        default_factory=list, description="Tried in order; with no rules the project is the linked account."
    )
    unmatched: Unmatched = Field(
        default="unallocated",
        description='Rows no rule matches: "(unallocated)", or "account" (their account).',
    )


class UtilisationOverrideModel(_Table):
    """Utilisation for the rows one selector matches (the first matching override wins)."""

    model_config = ConfigDict(
        title="Utilisation override",
        json_schema_extra={
            "oneOf": [
                {"required": ["project"]},
                {"required": ["instance_family"]},
                {"required": ["tag"]},
                {"required": ["stage"]},
            ],
            "anyOf": [{"required": ["cpu"]}, {"required": ["accelerator"]}],
            "dependentRequired": {"tag": ["value"]},
        },
    )

    project: Text | None = Field(default=None, description="Selects the rows of this project.")
    instance_family: Text | None = Field(default=None, description='Selects an instance family, e.g. "p4d".')
    tag: Text | None = Field(default=None, description="Selects rows whose tag (with value) matches.")
    value: Text | None = Field(default=None, description="The tag value a tag selector matches.")
    stage: Stage | None = Field(default=None, description="Selects the rows of an AI lifecycle stage.")
    cpu: Utilisation | None = Field(default=None, description="Average CPU utilisation, 0 to 1.")
    accelerator: Utilisation | None = Field(
        default=None, description="Average accelerator utilisation, 0 to 1."
    )

    @model_validator(mode="after")
    def _shape(self) -> UtilisationOverrideModel:
        selectors = (self.project, self.instance_family, self.tag, self.stage)
        if sum(s is not None for s in selectors) != 1:
            raise ValueError("needs exactly one of project, instance_family, tag, stage")
        if self.tag is not None and self.value is None:
            raise ValueError("selects by tag, so it needs 'value'")
        if self.cpu is None and self.accelerator is None:
            raise ValueError("sets neither 'cpu' nor 'accelerator'")
        return self


class UtilisationSection(_Table):
    """[utilisation]: average utilisation of CPUs and accelerators."""

    model_config = ConfigDict(title="[utilisation]")

    cpu: Utilisation | None = Field(
        default=None, description="Default CPU utilisation (else the factor set's)."
    )
    accelerator: Utilisation | None = Field(
        default=None,
        description="Accelerator utilisation for every row (else the factor set's per-stage default).",
    )
    overrides: list[UtilisationOverrideModel] = Field(
        default_factory=list, description="First match wins: by stage, project, instance family or tag value."
    )


class GridSection(_Table):
    """[grid]: which grid-intensity datasets may be used, in priority order, and of which boundary."""

    model_config = ConfigDict(title="[grid]")

    datasets: list[Dataset] = Field(
        default_factory=lambda: cast(list[Dataset], list(DEFAULT_GRID_DATASETS)),
        min_length=1,
        description="In priority order.",
    )
    boundary: Boundary = Field(
        default="operational",
        description="operational (combustion, GHG Protocol scope 2 location-based) or lifecycle (with "
        "upstream) grid factors; a region without one takes the other, flagged boundary_substituted. "
        "Factor sets before 2026.12.1 declare no boundary and ignore this.",
    )


class EngineSection(_Table):
    """[engine]: DuckDB settings; spilling to disk is a choice made here."""

    model_config = ConfigDict(title="[engine]")

    memory_limit: MemoryLimit = Field(
        default=EngineOptions.memory_limit, description="DuckDB spills to disk beyond this, e.g. 600MB, 2GB."
    )
    threads: Threads | None = Field(default=None, description="DuckDB threads (default: one per core).")
    temp_directory: Folder | None = Field(
        default=None, description="Spill folder (default: a temporary folder)."
    )
    kind: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="duckdb (embedded) or spark (pip install 'cloudcarbon[spark]'; see docs/spark.md).",
    )
    spark_model: Literal["driver", "spark"] = Field(
        default="driver",
        description="With kind = spark: where the model runs after the per-row reduction on Spark: driver "
        "(the reduced table moves to the embedded engine on the driver; faster) or spark (every step on "
        "the cluster). The figures are the same (docs/spark.md).",
    )


class EstimateSection(_Table):
    """[estimate]: how strict the estimate is."""

    model_config = ConfigDict(title="[estimate]")

    strict: bool = Field(
        default=False,
        description="true: a row needing a fallback or substituted factor is an error (exit code 5).",
    )


class StageRuleModel(_Table):
    """The AI lifecycle stage of the rows one selector matches (the first matching rule wins)."""

    model_config = ConfigDict(
        title="Stage rule",
        json_schema_extra={
            "oneOf": [
                {"required": ["tag"]},
                {"required": ["project"]},
                {"required": ["instance_family"]},
                {"required": ["service"]},
            ]
        },
    )

    stage: Stage | None = Field(
        default=None, description="The stage; a bare tag rule takes it from the tag's value."
    )
    tag: Text | None = Field(default=None, description="Tag key (with value: rows whose tag has that value).")
    value: Text | None = Field(default=None, description="The tag value a tag rule matches.")
    project: Text | None = Field(default=None, description="Selects the rows of this project.")
    instance_family: Text | None = Field(default=None, description="Selects an instance family.")
    service: Text | None = Field(default=None, description="Selects a service.")

    @model_validator(mode="after")
    def _shape(self) -> StageRuleModel:
        if sum(x is not None for x in (self.tag, self.project, self.instance_family, self.service)) != 1:
            raise ValueError("needs exactly one of tag, project, instance_family, service")
        if self.stage is None and not (self.tag is not None and self.value is None):
            raise ValueError("needs 'stage' (only a bare tag rule takes the stage from the tag)")
        return self


class AiSection(_Table):
    """[ai]: the AI lens (lifecycle stages, training runs, per-request figures)."""

    model_config = ConfigDict(title="[ai]")

    stages: list[StageRuleModel] = Field(default_factory=list, description="Stage rules, first match wins.")
    run_tag: Annotated[
        list[Annotated[str, Field(min_length=1)]],
        BeforeValidator(_one_or_list),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string", "minLength": 1}},
                ]
            }
        ),
    ] = Field(default_factory=list, description="Tag key(s) naming a training run; the first present wins.")
    requests: Text | None = Field(
        default=None,
        description="CSV project,month,requests (relative to this file) for per-request figures.",
    )
    functional_unit: Annotated[str, Field(min_length=1)] = Field(
        default=AiOptions.functional_unit, description='What one request is, e.g. "inference request".'
    )
    provider_units: Text | None = Field(
        default=None,
        description="CSV project,month,unit,quantity (relative to this file): the SCI for AI provider "
        "functional units (billion_parameters, training_token or flop).",
    )


class LedgerSection(_Table):
    """[ledger]: where the ledger lives."""

    model_config = ConfigDict(title="[ledger]")

    path: Text | None = Field(
        default=None,
        description="Ledger file, relative to this file (CLOUDCARBON_LEDGER and --ledger go first).",
    )


class OrganisationSection(_Table):
    """[organisation]: who the statements are for."""

    model_config = ConfigDict(title="[organisation]")

    name: Text | None = Field(default=None, description="The organisation named on statements.")


class StatementSection(_Table):
    """[statement]: statement settings (organisation is read when [organisation] has no name)."""

    model_config = ConfigDict(title="[statement]")

    organisation: Text | None = Field(default=None, description="The organisation named on statements.")


class SharedCostModel(_Table):
    """One ``[[allocation.shared]]`` rule: a shared project's figures split among other projects."""

    model_config = ConfigDict(
        title="Shared-cost rule",
        json_schema_extra={
            "oneOf": [{"required": ["split"]}, {"required": ["proportional_to"]}, {"required": ["by_tag"]}],
            "dependentRequired": {"among": ["proportional_to"]},
        },
    )

    project: Text = Field(description='The project whose figures are split (may be "(unallocated)").')
    split: dict[str, Annotated[float, Field(gt=0.0)]] | None = Field(
        default=None,
        description="Fixed percentages per receiving project, adding up to exactly 100 as written.",
    )
    proportional_to: Literal["cost", "kgco2e", "kwh"] | None = Field(
        default=None, description="Split in proportion to the receivers' cost (per currency), kgCO2e or kWh."
    )
    among: list[Text] | None = Field(
        default=None,
        description="With proportional_to: the receivers (default: every project neither unallocated "
        "nor shared).",
    )
    by_tag: Text | None = Field(
        default=None,
        description="Each row goes to the projects of the other rows with the same value of this tag key.",
    )

    @model_validator(mode="after")
    def _shape(self) -> SharedCostModel:
        if sum(x is not None for x in (self.split, self.proportional_to, self.by_tag)) != 1:
            raise ValueError("needs exactly one of split, proportional_to, by_tag")
        if self.among is not None and self.proportional_to is None:
            raise ValueError("among only goes with proportional_to")
        return self


class AllocationSection(_Table):
    """[allocation]: shared-cost rules, applied in order after projects are assigned."""

    model_config = ConfigDict(title="[allocation]")

    shared: list[SharedCostModel] = Field(
        default_factory=list, description="[[allocation.shared]] rules (cloudcarbon/sharing.py)."
    )


MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


class InstrumentModel(_Table):
    """One ``[[market.instruments]]`` entry: a contractual instrument for an inventory location."""

    model_config = ConfigDict(title="Contractual instrument")

    location: Text = Field(description="The inventory location it covers, as the inventory writes it (DE).")
    kind: Literal["ppa", "certificates", "supplier"] = Field(
        description="ppa (power purchase agreement with its certificates), certificates (GOs, RECs) or "
        "supplier (a supplier-specific emission rate)."
    )
    share: float = Field(
        gt=0.0, le=1.0, description="Share of the location's electricity the instrument covers (0-1]."
    )
    g_co2e_per_kwh: float = Field(
        ge=0.0,
        allow_inf_nan=False,
        description="Emission factor of the covered electricity (0 for renewables).",
    )
    reference: Text = Field(description="Contract or certificate reference, shown with the figure.")
    start: Month | None = Field(default=None, description="First month covered (YYYY-MM).")
    end: Month | None = Field(default=None, description="Last month covered (YYYY-MM).")

    @model_validator(mode="after")
    def _span(self) -> InstrumentModel:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class MarketSection(_Table):
    """[market]: the inputs of market-based figures (docs/method.md section 3.5)."""

    model_config = ConfigDict(title="[market]")

    residual_mix: Text | None = Field(
        default=None,
        description="CSV zone,year,g_co2e_per_kwh,source (relative to this file): residual-mix factors "
        "you obtained (AIB European Residual Mixes, Green-e); none are shipped.",
    )
    instruments: list[InstrumentModel] = Field(
        default_factory=list, description="[[market.instruments]]: PPAs, certificates, supplier rates."
    )


class ConfigFile(_Table):
    """cloudcarbon configuration (cloudcarbon.toml): allocation rules, utilisation, grid datasets, the
    DuckDB engine, the AI lens, the ledger and the organisation. Every key is optional; unknown keys are
    errors."""

    model_config = ConfigDict(title="cloudcarbon.toml", populate_by_name=True)

    schema_: str | None = Field(
        default=None,
        alias="$schema",
        title="$schema",
        description="The JSON Schema of this file, for editors; ignored by cloudcarbon.",
    )
    projects: ProjectsSection = ProjectsSection()
    utilisation: UtilisationSection = UtilisationSection()
    grid: GridSection = GridSection()
    engine: EngineSection = EngineSection()
    estimate: EstimateSection = EstimateSection()
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Options per connector, e.g. [sources.azure] project = "resource_group", '
        'cost = "amortized", date_format = "DD/MM/YYYY"; [sources.focus] project; [sources.inventory] '
        "factors. Each connector checks its own options.",
    )
    ai: AiSection = AiSection()
    ledger: LedgerSection = LedgerSection()
    organisation: OrganisationSection = OrganisationSection()
    statement: StatementSection = StatementSection()
    allocation: AllocationSection = AllocationSection()
    market: MarketSection = MarketSection()


# ---------------------------------------------------------------------------------------------------------
# environment variables


class _Environment(BaseSettings):
    """The ``CLOUDCARBON_<SECTION>__<KEY>`` variables, read flat so ``CLOUDCARBON_LEDGER`` is left alone."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, case_sensitive=False, extra="ignore", env_ignore_empty=True
    )

    projects__unmatched: Unmatched | None = None
    utilisation__cpu: _UnitInterval | None = None
    utilisation__accelerator: _UnitInterval | None = None
    engine__memory_limit: _Size | None = None
    engine__threads: Threads | None = None
    engine__temp_directory: _FolderText | None = None
    estimate__strict: bool | None = None
    organisation__name: Annotated[str, Field(min_length=1)] | None = None


#: Environment variable -> the ``[section] key`` it overrides.
ENV_VARIABLES: dict[str, str] = {
    f"{ENV_PREFIX}{name.upper()}": "[{}] {}".format(*name.split("__")) for name in _Environment.model_fields
}


def environment_overrides() -> dict[str, dict[str, Any]]:
    """The ``CLOUDCARBON_<SECTION>__<KEY>`` settings of the process environment, as TOML tables.

    Raises
    ------
    ConfigError
        A variable's value is invalid, or a ``CLOUDCARBON_<SECTION>__<KEY>`` name is unknown (a typo is
        named with the nearest known variable).
    """
    env = os.environ
    known = set(ENV_VARIABLES)
    for name in sorted(env):
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and "__" in upper and upper not in known and env[name] != "":
            hint = _nearest(upper, known)
            raise ConfigError(None, f"unknown environment variable {name}{hint}; unset or rename it")
    try:
        settings = _Environment()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        var = f"{ENV_PREFIX}{str(err['loc'][0]).upper()}" if err["loc"] else ENV_PREFIX + "*"
        raise ConfigError(
            None, f"environment variable {var} {_describe(err)}; correct or unset it{_more(exc)}"
        ) from None
    out: dict[str, dict[str, Any]] = {}
    for name, value in settings.model_dump(exclude_none=True).items():
        section, key = name.split("__")
        out.setdefault(section, {})[key] = value
    return out


# ---------------------------------------------------------------------------------------------------------
# validation and errors


def validate_document(data: Mapping[str, Any], *, path: str | Path | None = None) -> ConfigFile:
    """Validate a parsed ``cloudcarbon.toml`` document.

    Raises
    ------
    ConfigError
        One line: the file, the key path and what is wrong (an unknown key with the nearest valid one).
    """
    try:
        return ConfigFile.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ConfigError(path, _file_message(err) + _more(exc)) from None


def _more(exc: ValidationError) -> str:
    n = exc.error_count() - 1
    return f" (and {n} more problem{'s' if n > 1 else ''})" if n > 0 else ""


def _file_message(err: Mapping[str, Any]) -> str:
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        key, parent = str(loc[-1]), loc[:-1]
        allowed = _keys_at(parent)
        where = f"in {_where(parent)}" if parent else "at the top level"
        return f"unknown key {key!r} {where}{_nearest(key, allowed, list_all=True)}"
    if not loc:
        return _describe(err)
    return f"{_where(loc)} {_describe(err)}"


def _where(loc: tuple[int | str, ...]) -> str:
    """``('projects', 'rules', 1, 'tag')`` -> ``[projects] rules[2].tag`` (positions counted from 1)."""
    head, rest = str(loc[0]), list(loc[1:])
    if head.startswith("$"):  # a top-level key, not a table
        return head
    if head == "sources" and rest:
        head = f"sources.{rest.pop(0)}"
    text = ""
    for part in rest:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return f"[{head}] {text}".rstrip()


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at ``loc`` allows (aliases as written in the file)."""
    model: type[BaseModel] | None = ConfigFile
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field is not None else None
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _nearest(word: str, choices: Any, *, list_all: bool = False) -> str:
    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(options)}" if list_all and options else ""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_WORDS = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be text in quotes",
    "list_type": "must be a list, e.g. [ ... ]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _describe(err: Mapping[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"must be one of {', '.join(options)}, got {_shown(value)}" + (
            _nearest(value, options) if isinstance(value, str) else ""
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": "at least", "greater_than": "above", "less_than_equal": "at most"}
        limit = next(iter(ctx.values()), "")
        return f"must be {bound.get(kind, 'below')} {limit}, got {_shown(value)}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty" if isinstance(value, str) else "must not be an empty list"
    if kind in _WORDS:
        return f"{_WORDS[kind]}, got {_shown(value)}"
    if kind == "value_error":  # our own checks (ValueError), worded for this file
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


# ---------------------------------------------------------------------------------------------------------
# building the Config the rest of cloudcarbon reads


def _merge(data: Mapping[str, Any], overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged = dict(data)
    for section, values in overrides.items():
        table = merged.get(section, {})
        merged[section] = {**(table if isinstance(table, Mapping) else {}), **values}
    return merged


def build_config(data: Mapping[str, Any], *, path: str | None = None, environment: bool = False) -> Config:
    """Validate a parsed ``cloudcarbon.toml`` and build its :class:`~cloudcarbon.config.Config`.

    ``environment=True`` lets the ``CLOUDCARBON_*`` variables (:data:`ENV_VARIABLES`) override the file;
    the file is validated on its own first, so its errors always name the file.
    """
    doc = validate_document(data, path=path)
    if environment:
        overrides = environment_overrides()
        if overrides:
            doc = validate_document(_merge(data, overrides), path=path)
    requests, provider_units = doc.ai.requests, doc.ai.provider_units
    if requests is not None and path is not None and not Path(requests).is_absolute():
        requests = str(Path(path).parent / requests)
    if provider_units is not None and path is not None and not Path(provider_units).is_absolute():
        provider_units = str(Path(path).parent / provider_units)
    return Config(
        project_rules=tuple(ProjectRule(**r.model_dump()) for r in doc.projects.rules),
        unmatched=doc.projects.unmatched,
        cpu_utilisation=doc.utilisation.cpu,
        accelerator_utilisation=doc.utilisation.accelerator,
        utilisation_overrides=tuple(UtilisationOverride(**o.model_dump()) for o in doc.utilisation.overrides),
        grid_datasets=tuple(doc.grid.datasets),
        grid_boundary=doc.grid.boundary,
        strict=doc.estimate.strict,
        engine=EngineOptions(**doc.engine.model_dump()),
        ai=AiOptions(
            stages=tuple(StageRule(**s.model_dump()) for s in doc.ai.stages),
            run_tags=tuple(doc.ai.run_tag),
            requests=requests,
            functional_unit=doc.ai.functional_unit,
            provider_units=provider_units,
        ),
        sources={k: dict(v) for k, v in doc.sources.items()},
        path=path,
        ledger_path=doc.ledger.path,
        organisation=doc.organisation.name or doc.statement.organisation,
        # the shape is checked above; percentages are summed exactly as written, so from the raw table
        sharing=sharing_rules(data.get("allocation"), path),
        market=_market(doc.market, path),
    )


def _market(section: MarketSection, path: str | None) -> MarketOptions:
    """``[market]`` as read: the residual-mix file is read and validated now, so that a bad row stops
    the run before any export is read."""
    residual = section.residual_mix
    if residual is not None and path is not None and not Path(residual).is_absolute():
        residual = str(Path(path).parent / residual)
    instruments = tuple(Instrument(**i.model_dump()) for i in section.instruments)
    # the shares active in any month must not cover more than the whole: the most instruments are
    # active at one of their start months (or before any start, for those without one)
    for i, inst in enumerate(instruments):
        month = inst.start or "0000-00"
        same = [j for j in instruments if j.location.upper() == inst.location.upper() and j.active(month)]
        total = sum(j.share for j in same)
        if total > 1 + 1e-9:
            raise ConfigError(
                path,
                f"[[market.instruments]] #{i + 1} (location {inst.location}): the instruments active from "
                f"{inst.start or 'the start'} cover {total:g} of the location's electricity, more than 1; "
                "lower their shares or the months they cover",
            )
    return MarketOptions(
        residual_mix=residual,
        residual_rows=read_residual_mix(residual) if residual is not None else (),
        instruments=instruments,
    )


# ---------------------------------------------------------------------------------------------------------
# the JSON Schema


class _TomlSchema(GenerateJsonSchema):
    """TOML has no null: an optional key is one left out, so ``X | None`` is written as ``X``."""

    def nullable_schema(self, schema: Any) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        result = super().default_schema(schema)
        if result.get("default", 0) is None:
            del result["default"]
        return result


def _tidy(node: Any) -> Any:
    """The same schema whichever pydantic wrote it: a lone ``allOf: [{$ref}]`` (pydantic < 2.9) is the
    ``$ref`` itself in Draft 2020-12, and ``additionalProperties: true`` is the default."""
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tidy(v) for k, v in node.items() if not (k == "additionalProperties" and v is True)}
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and set(all_of[0]) == {"$ref"} and "$ref" not in out:
        del out["allOf"]
        out = {"$ref": all_of[0]["$ref"], **out}
    return out


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of ``cloudcarbon.toml``, generated from :class:`ConfigFile`."""
    generated = ConfigFile.model_json_schema(by_alias=True, schema_generator=_TomlSchema)
    generated = _tidy(generated)
    generated["description"] = " ".join(generated["description"].split())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **generated}


def schema_text() -> str:
    """:func:`config_json_schema` as the text of the shipped ``config.schema.json`` (2-space indent)."""
    return json.dumps(config_json_schema(), indent=2, ensure_ascii=False) + "\n"
