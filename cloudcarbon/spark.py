"""The Spark engine: the same pipeline and the same connector mapping SQL, run on a ``SparkSession``.

The connectors map provider columns to the canonical table with DuckDB-dialect SQL (built by the helpers
in :mod:`cloudcarbon.connectors._sql`). On Spark that text is parsed once and generated in Spark SQL by
sqlglot (:func:`transpile`), with a few rewrites for DuckDB functions sqlglot leaves as they are
(``error``, ``isfinite``, ``json_object``, ``SELECT * REPLACE``). :class:`SparkRelation` offers the
small part of DuckDB's relation API the connectors use (``columns``, ``types``, ``query``, ``project``,
``filter``, ``union``, ``fetchall``), so the connectors' code runs unchanged on either engine; only the
readers (:meth:`SparkEngine.open_relation`) are the engine's own.

Files: local paths are listed and resolved (manifests, zip members, UTF-16) on the driver as for DuckDB;
a path with a scheme (``s3a://``, ``abfss://``, ``gs://``, ``dbfs:/``, ``file:``) is listed and read through
the Hadoop FileSystem of the session (see :mod:`cloudcarbon.connectors._uri` and docs/spark.md).

``pyspark`` and ``sqlglot`` are the optional extra ``cloudcarbon[spark]``; this module imports them
lazily, so ``import cloudcarbon`` never needs them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import EngineOptions
from cloudcarbon.engine import DuckDBEngine, open_engine
from cloudcarbon.exceptions import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType

__all__ = [
    "SPARK_EXTRA",
    "SPARK_MODEL",
    "SparkEngine",
    "SparkRelation",
    "local_session",
    "open_spark_engine",
    "require_spark",
    "transpile",
]

#: Where the model runs on the Spark engine (``[engine] spark_model``, ``estimate(spark_model=...)``).
SPARK_MODEL = ("driver", "spark")

#: What to install for the Spark engine (named in the error when pyspark is missing).
SPARK_EXTRA = "pip install 'cloudcarbon[spark]'"

_QUERY_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def require_spark() -> None:
    """Raise :class:`ConfigError` (exit code 2) naming the extra when pyspark or sqlglot is missing."""
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            None, f"the Spark engine needs pyspark and sqlglot ({exc.name} is not installed): {SPARK_EXTRA}"
        ) from exc


# --------------------------------------------------------------------------------------------------
# DuckDB SQL -> Spark SQL


@lru_cache(maxsize=4096)
def transpile(sql: str, dialect: str = "spark") -> str:
    """DuckDB-dialect ``sql`` (one statement or expression list) as ``dialect`` SQL.

    sqlglot translates most of it; DuckDB functions it keeps by name are rewritten here:
    ``error(m)`` -> ``raise_error(m)``, ``isfinite(x)`` -> ``NOT isnan(x) AND abs(x) <> Infinity``,
    ``json_object(k, v, ...)`` -> ``to_json(map(k, v, ...))``.
    """
    import sqlglot

    return _generate(sqlglot.parse_one(sql, read="duckdb"), dialect)


def _generate(tree: Any, dialect: str = "spark") -> str:
    """A parsed DuckDB statement as ``dialect`` SQL, with the rewrites of :func:`transpile`."""
    from sqlglot import exp

    changed = False

    def fix(node: exp.Expression) -> exp.Expression:
        nonlocal changed
        out = _fix(node)
        if out is not node:
            changed = True
        return out

    def _fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            args = list(node.expressions)
            if name == "error" and len(args) == 1:
                return exp.Anonymous(this="raise_error", expressions=args)
            if name == "isfinite" and len(args) == 1:
                x = args[0]
                inf = exp.Cast(this=exp.Literal.string("Infinity"), to=exp.DataType.build("double"))
                return exp.paren(
                    exp.and_(
                        exp.not_(exp.Anonymous(this="isnan", expressions=[x.copy()])),
                        exp.NEQ(this=exp.Abs(this=x.copy()), expression=inf),
                    )
                )
        if isinstance(node, exp.Anonymous | exp.Func) and _fname(node) in ("json_valid", "json_type"):
            x = _args(node)[0]
            parsed = exp.Anonymous(this="try_parse_json", expressions=[x.copy()])
            if _fname(node) == "json_valid":
                value: exp.Expression = exp.Not(this=exp.Is(this=parsed, expression=exp.Null()))
            else:  # DuckDB's type names for the two kinds the connectors test: OBJECT, ARRAY
                kind = exp.Anonymous(this="schema_of_variant", expressions=[parsed.copy()])
                value = exp.Upper(
                    this=exp.RegexpExtract(
                        this=kind, expression=exp.Literal.string("^([A-Za-z]+)"), group=exp.Literal.number(1)
                    )
                )
            return exp.Case(
                ifs=[exp.If(this=exp.Is(this=parsed.copy(), expression=exp.Null()), true=exp.Null())],
                default=value,
            )
        if isinstance(node, exp.Anonymous | exp.Func) and _fname(node) == "from_json":
            args = _args(node)
            if len(args) == 2 and isinstance(args[1], exp.Literal) and args[1].is_string:
                try:
                    structure = json.loads(args[1].this)
                except json.JSONDecodeError:  # already Spark DDL
                    return node
                ddl = _spark_ddl(structure)
                return exp.Anonymous(this="from_json", expressions=[args[0].copy(), exp.Literal.string(ddl)])
        if isinstance(node, exp.RegexpReplace):
            rep = node.args.get("replacement")
            if isinstance(rep, exp.Literal) and re.search(r"\\[0-9]", rep.this):
                # a group reference is \1 in DuckDB, $1 in Java's regex
                node = node.copy()
                node.set("replacement", exp.Literal.string(re.sub(r"\\+([0-9])", r"$\1", rep.this)))
                return node
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
            idx = node.expressions[0]
            if isinstance(idx, exp.Literal) and idx.is_int:
                # a list element by position (sqlglot holds it 0-based): Spark's [i] fails past the end
                # under ANSI mode, get(list, i) gives NULL like DuckDB
                return exp.Anonymous(
                    this="get", expressions=[node.this.copy(), exp.Literal.number(int(idx.this))]
                )
        if isinstance(node, exp.JSONObject):
            pairs: list[exp.Expression] = []
            for kv in node.expressions:
                pairs += [kv.this.copy(), kv.expression.copy()]
            return exp.Anonymous(this="to_json", expressions=[exp.Anonymous(this="map", expressions=pairs)])
        return node

    # a replaced node's arguments are not visited again by transform: repeat until nothing changes
    for _ in range(8):
        changed = False
        tree = tree.transform(fix)
        if not changed:
            break
    return str(tree.sql(dialect=dialect))


def _fname(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return str(node.sql_name()).lower()


def _args(node: Any) -> list[Any]:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return list(node.expressions)
    out = [node.this] if node.this is not None else []
    for key in ("expression", "path"):
        if node.args.get(key) is not None:
            out.append(node.args[key])
    return out + list(node.expressions)


_SPARK_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


def _spark_ddl(structure: Any) -> str:
    """A DuckDB ``from_json`` structure (``[{"key": "VARCHAR"}]``, ``"MAP(VARCHAR, VARCHAR)"``) as Spark
    DDL."""
    if isinstance(structure, list):
        return f"array<{_spark_ddl(structure[0])}>"
    if isinstance(structure, dict):
        return "struct<" + ",".join(f"`{k}`:{_spark_ddl(v)}" for k, v in structure.items()) + ">"
    name = str(structure).upper().replace(" ", "")
    if name.startswith("MAP(") and name.endswith(")"):
        k, v = name[4:-1].split(",", 1)
        return f"map<{_spark_ddl(k)},{_spark_ddl(v)}>"
    return _SPARK_TYPES.get(name, name.lower())


def _expand_star_replace(tree: Any, columns: Sequence[str]) -> None:
    """``SELECT * REPLACE (e AS c) FROM v`` (DuckDB) as a plain column list, in place: Spark has no
    REPLACE."""
    from sqlglot import exp

    for select in tree.find_all(exp.Select):
        if not any(isinstance(e, exp.Star) and e.args.get("replace") for e in select.expressions):
            continue
        new: list[exp.Expression] = []
        for e in select.expressions:
            replace = e.args.get("replace") if isinstance(e, exp.Star) else None
            if replace:
                by = {r.alias_or_name: r for r in replace}
                new += [by[c].copy() if c in by else exp.column(c, quoted=True) for c in columns]
            else:
                new.append(e)
        select.set("expressions", new)


# --------------------------------------------------------------------------------------------------
# Spark types in DuckDB's spelling (what cloudcarbon.connectors._sql.Header reads)


def _duck_type(t: DataType) -> str:
    from pyspark.sql import types as T

    if isinstance(t, T.StringType | T.VarcharType | T.CharType):
        return "VARCHAR"
    if isinstance(t, T.DoubleType):
        return "DOUBLE"
    if isinstance(t, T.FloatType):
        return "FLOAT"
    if isinstance(t, T.LongType):
        return "BIGINT"
    if isinstance(t, T.IntegerType | T.ShortType | T.ByteType):
        return "INTEGER"
    if isinstance(t, T.BooleanType):
        return "BOOLEAN"
    if isinstance(t, T.DecimalType):
        return f"DECIMAL({t.precision},{t.scale})"
    # a Spark TIMESTAMP is an instant shown in the session time zone (UTC): a UTC wall time
    if isinstance(t, T.TimestampType | T.TimestampNTZType):
        return "TIMESTAMP"
    if isinstance(t, T.DateType):
        return "DATE"
    if isinstance(t, T.MapType):
        return f"MAP({_duck_type(t.keyType)}, {_duck_type(t.valueType)})"
    if isinstance(t, T.ArrayType):
        return f"{_duck_type(t.elementType)}[]"
    if isinstance(t, T.StructType):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duck_type(f.dataType)}' for f in t.fields) + ")"
    return t.simpleString().upper()


class SparkRelation:
    """A Spark DataFrame with the part of DuckDB's relation API the connectors use.

    Every SQL text given to it is DuckDB dialect and is transpiled to Spark SQL (:func:`transpile`).
    """

    def __init__(self, engine: SparkEngine, df: DataFrame) -> None:
        self.engine = engine
        self.df = df

    @property
    def columns(self) -> list[str]:
        return list(self.df.columns)

    @property
    def types(self) -> list[str]:
        return [_duck_type(f.dataType) for f in self.df.schema.fields]

    def query(self, view: str, sql: str) -> SparkRelation:
        """``sql`` reading this relation as ``view`` (DuckDB dialect).

        Spark resolves the view when ``sql`` is analysed, which ``session.sql`` does at once, so a later
        query under the same view name does not change this one."""
        import sqlglot

        self.df.createOrReplaceTempView(view)
        self.engine.views.add(view)
        tree = sqlglot.parse_one(sql, read="duckdb")
        _expand_star_replace(tree, self.columns)
        return SparkRelation(self.engine, self.engine.session.sql(_generate(tree)))

    def project(self, exprs: str) -> SparkRelation:
        return self.query("__p", f"SELECT {exprs} FROM __p")

    def filter(self, cond: str) -> SparkRelation:
        return self.query("__f", f"SELECT * FROM __f WHERE {cond}")

    def order(self, by: str) -> SparkRelation:
        return self.query("__o", f"SELECT * FROM __o ORDER BY {by}")

    def limit(self, n: int) -> SparkRelation:
        return SparkRelation(self.engine, self.df.limit(n))

    def aggregate(self, exprs: str) -> SparkRelation:
        return self.query("__a", f"SELECT {exprs} FROM __a")

    def union(self, other: SparkRelation) -> SparkRelation:
        return SparkRelation(self.engine, self.df.union(other.df))

    def intersect(self, other: SparkRelation) -> SparkRelation:
        return SparkRelation(self.engine, self.df.intersect(other.df))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.df.collect()]

    def lazy(self) -> nw.LazyFrame[Any]:
        return nw.from_native(self.df)


# --------------------------------------------------------------------------------------------------
# the engine


class SparkEngine:
    """The pipeline's engine on a ``SparkSession`` (session time zone UTC).

    The per-row work (reading the exports, the connectors' mapping SELECT, the shared row rules and the
    reduction of billing rows to one row per distinct attribute set) runs on Spark. With
    ``model_on_driver`` (the default) the reduced table, which holds one row per distinct resource
    description and not one per billing row, is then moved once through Arrow to the embedded engine on the
    driver, where the model (classification, factor joins, the method) runs: the same Narwhals code, and
    the several dozen small joins of the model cost milliseconds there instead of a Spark job each. With
    ``model_on_driver=False`` the model runs on Spark too.

    ``con`` is the engine itself: the connectors' readers (:func:`cloudcarbon.connectors._io.open_relation`,
    ``empty_canonical``, ``from_arrow``) dispatch to its methods.
    """

    dialect = "spark"

    def __init__(self, session: SparkSession, local: DuckDBEngine, *, model_on_driver: bool = True) -> None:
        self.session = session
        self.local = local
        self.model_on_driver = model_on_driver
        self._cached: list[DataFrame] = []
        #: temporary views the connectors' queries registered (dropped on close)
        self.views: set[str] = set()
        session.conf.set("spark.sql.session.timeZone", "UTC")
        from cloudcarbon.connectors import _uri

        _uri.bind(session)  # URI sources (HadoopPath) are listed and read through this session
        # pyspark logs every failed query with its JVM stack trace on stderr: while the engine is open, an
        # error is reported once, as one line naming the file, row and column (cloudcarbon.pipeline)
        self._loggers = {n: logging.getLogger(n) for n in _QUERY_LOGGERS}
        self._disabled = {n: lg.disabled for n, lg in self._loggers.items()}
        for lg in self._loggers.values():
            lg.disabled = True

    @property
    def con(self) -> SparkEngine:
        return self

    @property
    def workdir(self) -> Path:
        return self.local.workdir

    # -- what the pipeline needs --------------------------------------------------------------------

    def to_lazy(self, df: pl.DataFrame) -> nw.LazyFrame[Any]:
        """A small polars table (factors) as a lazy frame where the model runs."""
        if self.model_on_driver:
            return self.local.to_lazy(df)
        return nw.from_native(self.session.createDataFrame(df.to_arrow()))

    def materialize(self, lf: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
        """Compute ``lf`` once and scan that: on the driver's engine (``model_on_driver``), else cached."""
        native = lf.to_native()
        if not _is_spark(native):
            return self.local.materialize(lf)
        if self.model_on_driver:
            table = _naive_utc(native.toArrow())
            return self.local.materialize(nw.from_native(self.local.con.from_arrow(table)))
        from pyspark import StorageLevel

        df = native.persist(StorageLevel.MEMORY_AND_DISK)
        df.count()  # compute now: a bad value fails here, inside the pipeline's diagnosis
        self._cached.append(df)
        out: nw.LazyFrame[Any] = nw.from_native(df)
        return out

    def write(
        self, lf: nw.LazyFrame[Any], path: Path, *, columns: Sequence[str], order_by: Sequence[str]
    ) -> None:
        """Write ``lf`` sorted to one ``.parquet`` or CSV file."""
        if not _is_spark(lf.to_native()):
            self.local.write(lf, path, columns=columns, order_by=order_by)
            return
        df = lf.select(list(columns)).sort(list(order_by)).collect(backend="polars").to_native()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".parquet":
            df.write_parquet(path)
        else:
            df.write_csv(path)

    def close(self) -> None:
        from cloudcarbon.connectors import _uri

        _uri.bind(None)
        for n, lg in self._loggers.items():
            lg.disabled = self._disabled[n]
        for view in self.views:
            self.session.catalog.dropTempView(view)
        self.views.clear()
        for df in self._cached:
            df.unpersist()
        self._cached.clear()

    # -- readers (the connectors' hooks) -----------------------------------------------------------

    def from_arrow(self, table: Any) -> SparkRelation:
        """An Arrow table (the inventory's rows) as a relation."""
        return SparkRelation(self, self.session.createDataFrame(table))

    def sql(self, sql: str) -> SparkRelation:
        return SparkRelation(self, self.session.sql(transpile(sql)))

    def open_relation(self, path: Path, workdir: Path) -> SparkRelation:
        """One data file with a 1-based ``__row``: CSV as text (every column a string), Parquet typed."""
        from cloudcarbon.connectors import _uri

        return SparkRelation(self, _uri.read_file(self.session, path, workdir))

    def open_json(
        self, path: Path, workdir: Path, fields: dict[str, tuple[str, ...]], lists: Sequence[str]
    ) -> SparkRelation:
        from cloudcarbon.connectors import _uri

        return SparkRelation(self, _uri.read_json_fields(self.session, path, workdir, fields, lists))

    def empty_canonical(self, tag_keys: Sequence[str]) -> nw.LazyFrame[Any]:
        from cloudcarbon.connectors._io import sql_ident
        from cloudcarbon.schema import CANONICAL_USAGE, duckdb_type, tag_column

        cols = [f"CAST(NULL AS {duckdb_type(c)}) AS {sql_ident(n)}" for n, c in CANONICAL_USAGE.items()]
        cols += [f"CAST(NULL AS VARCHAR) AS {sql_ident(tag_column(k))}" for k in tag_keys]
        return nw.from_native(self.session.sql(transpile("SELECT " + ", ".join(cols) + " WHERE false")))


def local_session(master: str = "local[2]") -> SparkSession:
    """The active SparkSession, or a local one (UI off, few shuffle partitions, UTC)."""
    require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master(master)
        .appName("cloudcarbon")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .getOrCreate()
    )


@contextmanager
def open_spark_engine(
    session: SparkSession | None = None,
    options: EngineOptions | None = None,
    *,
    model_on_driver: bool | None = None,
) -> Iterator[SparkEngine]:
    """A :class:`SparkEngine` on ``session`` (or the active/local one) with the driver's embedded engine
    (``options``: its memory limit and spill folder); cached tables freed on exit. ``model_on_driver``
    defaults to ``options.spark_model == "driver"``."""
    if model_on_driver is None:
        choice = (options or EngineOptions()).spark_model
        if choice not in SPARK_MODEL:
            raise ConfigError(None, f"[engine] spark_model {choice!r}: choose from {', '.join(SPARK_MODEL)}")
        model_on_driver = choice == "driver"
    with open_engine(options) as local:
        engine = SparkEngine(
            session if session is not None else local_session(), local, model_on_driver=model_on_driver
        )
        try:
            yield engine
        finally:
            engine.close()


def _is_spark(native: object) -> bool:
    return type(native).__module__.startswith("pyspark.")


def _naive_utc(table: Any) -> Any:
    """Arrow ``table`` with zoned timestamps as naive UTC ones (the embedded engine's TIMESTAMP)."""
    import pyarrow as pa

    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_timestamp(t) and t.tz is not None:
            t = pa.timestamp(t.unit)
        fields.append(pa.field(f.name, t, f.nullable))
    return table.cast(pa.schema(fields))


def spark_errors() -> tuple[type[BaseException], ...]:
    """The exception types a bad value raises on Spark (cast, arithmetic, ``raise_error``)."""
    try:
        from pyspark.errors import PySparkException
    except ImportError:  # no pyspark, no Spark engine
        return ()
    return (PySparkException,)
