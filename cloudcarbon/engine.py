"""Engines: the small protocol the pipeline runs on, and the embedded one (DuckDB).

The estimation pipeline is written against Narwhals and meets its engine only through :class:`Engine`:
``to_lazy`` (a small polars table as a lazy frame of the engine), ``materialize``, ``write``, ``con``
(what the connectors' readers open files with: a DuckDB connection, or the engine itself for
:class:`cloudcarbon.spark.SparkEngine`) and ``dialect`` (the SQL the connectors' mapping is written in is
DuckDB's; other engines transpile it). :class:`DuckDBEngine` is the default; the Spark engine is the
optional extra ``cloudcarbon[spark]`` (docs/spark.md).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import narwhals as nw
import polars as pl

from cloudcarbon.config import EngineOptions
from cloudcarbon.connectors._io import sql_ident, sql_str
from cloudcarbon.exceptions import ConfigError

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "list_item", "open_engine"]

#: Engine names accepted by ``--engine`` and ``[engine] kind``.
ENGINES = ("duckdb", "spark")

_counter = itertools.count()


class Engine(Protocol):
    """What the pipeline needs of an engine (see the module docstring)."""

    @property
    def con(self) -> Any: ...

    @property
    def workdir(self) -> Path: ...

    @property
    def dialect(self) -> str: ...

    def to_lazy(self, df: pl.DataFrame) -> nw.LazyFrame[Any]: ...

    def materialize(self, lf: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]: ...

    def write(
        self, lf: nw.LazyFrame[Any], path: Path, *, columns: Sequence[str], order_by: Sequence[str]
    ) -> None: ...


def list_item(parts: nw.Expr, i: int) -> nw.Expr:
    """Element ``i`` (0-based) of the list ``parts``, NULL past its end, on both engines: DuckDB gives
    NULL, Spark's ``parts[i]`` fails under ANSI mode, so the element is read only where it exists. (Not
    for polars frames: polars before 2.0 fails on the index past the end even where ``when`` discards it.)"""
    return nw.when(parts.list.len() > i).then(parts.list.get(i))


#: What :func:`split_on` splits on where the separator is special to a regular expression: the ASCII unit
#: separator, which no engine's ``split`` reads specially and billing text does not contain.
_UNIT_SEPARATOR = "\x1f"


def split_on(text: nw.Expr, sep: str) -> nw.Expr:
    """``text`` split on the literal ``sep`` on every engine.

    DuckDB and polars split on the text itself; Spark's ``split`` reads it as a regular expression, where
    ``"."`` is any character (so ``"m5.xlarge"`` would split into empty strings). A separator that is
    special to a regular expression is first replaced, literally, by :data:`_UNIT_SEPARATOR`."""
    if all(ch.isalnum() or ch in ":;,/_- " for ch in sep):
        return text.str.split(sep)
    return text.str.replace_all(sep, _UNIT_SEPARATOR, literal=True).str.split(_UNIT_SEPARATOR)


@dataclass(frozen=True)
class DuckDBEngine:
    """A live DuckDB connection, a scratch folder, and the polars -> lazy-frame adapter."""

    con: duckdb.DuckDBPyConnection
    workdir: Path
    dialect: str = "duckdb"

    def to_lazy(self, df: pl.DataFrame) -> nw.LazyFrame[Any]:
        """A small polars table (factors) as a lazy frame of this engine."""
        return nw.from_native(self.con.from_arrow(df.to_arrow()))

    def materialize(self, lf: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
        """Compute ``lf`` once into a temporary table (spilling under the memory limit) and scan that.

        Used between the streaming reduction of billing rows and the model, so that the model's
        several passes read the small reduced table instead of re-reading the exports.
        """
        name = f"__cloudcarbon_{next(_counter)}"
        lf.to_native().to_table(name)
        return nw.from_native(self.con.table(name))

    def write(
        self, lf: nw.LazyFrame[Any], path: Path, *, columns: Sequence[str], order_by: Sequence[str]
    ) -> None:
        """Stream ``lf`` to a ``.parquet`` or CSV file (DuckDB ``COPY ... TO``), sorted, spilling under the
        memory limit: nothing is collected into Python."""
        rel = lf.select(list(columns)).to_native()
        if order_by:
            rel = rel.order(", ".join(sql_ident(c) for c in order_by))
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".parquet":
            rel.write_parquet(str(path))
        else:
            rel.write_csv(str(path), header=True)


@contextmanager
def open_engine(options: EngineOptions | None = None) -> Iterator[DuckDBEngine]:
    """Open an in-memory DuckDB with a memory limit and a spill folder; closed on exit."""
    opts = options or EngineOptions()
    with tempfile.TemporaryDirectory(prefix="cloudcarbon-") as tmp:
        workdir = Path(tmp)
        spill = Path(opts.temp_directory).expanduser() if opts.temp_directory else workdir / "spill"
        try:
            spill.mkdir(parents=True, exist_ok=True)
            probe = spill / f".cloudcarbon-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                None,
                f"[engine] temp_directory {str(spill)!r} cannot be created or written to "
                f"({exc.strerror or exc}); choose a writable folder",
            ) from exc
        con = duckdb.connect(":memory:")
        try:
            try:
                con.execute(f"SET memory_limit = {sql_str(opts.memory_limit)}")
            except duckdb.Error as exc:
                raise ConfigError(
                    None,
                    f"[engine] memory_limit {opts.memory_limit!r} is not a size; "
                    'write it like "600MB" or "2GB"',
                ) from exc
            con.execute(f"SET temp_directory = {sql_str(str(spill))}")
            con.execute("SET preserve_insertion_order = false")
            # duckdb draws a progress bar on stdout for queries over 2 s: it would corrupt --format json/csv
            con.execute("SET enable_progress_bar = false")
            # and never prints it, even when cloudcarbon.progress turns the tracking on to read its figures
            con.execute("SET enable_progress_bar_print = false")
            if opts.threads:
                con.execute(f"SET threads = {int(opts.threads)}")
            try:
                yield DuckDBEngine(con=con, workdir=workdir)
            except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
                err = _out_of_room(exc, opts.memory_limit, spill)
                if err is None:
                    raise
                raise err from exc
        finally:
            con.close()


def _out_of_room(exc: duckdb.Error, memory_limit: str, spill: Path) -> ConfigError | None:
    """One line for an engine that ran out of memory or of spill space (a full disk, a spill folder
    that became unwritable); ``None`` for other engine errors."""
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    where = str(spill)
    if isinstance(exc, duckdb.IOException) and where not in text:
        return None  # not about the spill folder: a source read error, reported by its reader
    if "max_temp_directory_size" in text or "No space left" in text or isinstance(exc, duckdb.IOException):
        return ConfigError(
            None,
            f"the engine ran out of spill space: it keeps [engine] memory_limit {memory_limit!r} in memory "
            f"and writes the rest to [engine] temp_directory {where!r}, which is full or not writable "
            f"({first}); free disk space there or set temp_directory to a folder on a larger disk",
        )
    return ConfigError(
        None,
        f"the engine needs more than [engine] memory_limit {memory_limit!r} for this step even when "
        f'spilling to {where!r} ({first}); raise memory_limit (e.g. "2GB")',
    )
