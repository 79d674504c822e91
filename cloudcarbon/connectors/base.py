"""The connector contract: what every source module provides.

A connector is a module with the same four names, so going from one provider to the next means reading
the same functions (the dbt-adapter idea):

``NAME``
    Short provider name used in ``--source NAME:PATH`` and in ``ProviderName``.
``sniff(columns) -> list[str]``
    The required columns that a header with these column names lacks (empty list: the header is this
    format). Used for detection and for the "closest formats" hint.
``scan(source, ctx) -> narwhals.LazyFrame``
    The canonical usage table (:data:`cloudcarbon.schema.CANONICAL_USAGE` plus ``tag:<key>`` columns for
    ``ctx.tag_keys``), lazy: nothing is read until the pipeline collects it.
``diagnose(source, ctx) -> None``
    Called when collecting failed on a value: re-reads the input and raises
    :class:`~cloudcarbon.exceptions.ValueParseError` naming the first bad file, row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import narwhals as nw

__all__ = ["Connector", "ScanContext", "Source"]


@dataclass(frozen=True)
class Source:
    """One ``--source`` argument: a file or folder, with the provider if the user named it."""

    path: Path
    provider: str | None = None

    def __str__(self) -> str:
        return f"{self.provider}:{self.path}" if self.provider else str(self.path)


@dataclass(frozen=True)
class ScanContext:
    """What a scan may use: the engine connection, the tag keys rules need, the month asked for."""

    #: what the readers open files with: a DuckDB connection, or another engine implementing the reader
    #: hooks (``open_relation``, ``empty_canonical``, ``from_arrow``: :class:`cloudcarbon.spark.SparkEngine`)
    con: duckdb.DuckDBPyConnection
    workdir: Path
    tag_keys: tuple[str, ...] = ()
    month: str | None = None
    #: per-connector settings from ``[sources.<NAME>]`` in cloudcarbon.toml
    options: Mapping[str, Any] = field(default_factory=dict)
    #: the run's register of files already read (shared by every source of one run, see
    #: :func:`cloudcarbon.connectors._io.claim_files`): a file reached twice is read once
    claims: dict[str, Any] = field(default_factory=dict)
    #: apply the shared row rules of :func:`cloudcarbon.connectors._io.union_all` (diagnosis turns
    #: them off to name the offending row)
    guard: bool = True
    #: a connector that declares ``REDUCES = True`` may return the month's rows already added up by the
    #: attributes the estimate reads (one row per group, ``source_rows`` counting its billing rows), as
    #: the pipeline's reduced path does anyway; the per-row detail and diagnosis leave this off
    reduce: bool = False


class Connector(Protocol):
    """Structural type of a connector module (see the module docstring)."""

    NAME: str

    def sniff(self, columns: Sequence[str]) -> list[str]: ...

    def scan(self, source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]: ...

    def diagnose(self, source: Source, ctx: ScanContext) -> None: ...
