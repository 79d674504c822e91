"""Spark readers: one export file as a Spark DataFrame with a 1-based ``__row``, local path or URI.

What the DuckDB readers of :mod:`cloudcarbon.connectors._io` do, on Spark:

* CSV (``.csv``, ``.csv.gz``; a zip member or UTF-16 file is converted on the driver first, local files
  only): every column a string named from the header (no inference), RFC 4180 quoting, a ragged row is
  an error (``FAILFAST``). Each file is read with ``multiLine`` (a quoted value may hold a line break),
  which reads a file in one task, so the record order in that task is the file's order and
  ``__row`` is that order plus one (checked: a file split over several tasks gets the running count of
  the tasks before it added).
* Parquet: typed, ``__row`` from Spark's ``_metadata.row_index`` (Spark 4).
* JSON lines (the GCP export): each non-empty line is one record, ``__row`` its number among them.

A path with a scheme (``s3a://``, ``abfss://``, ``gs://``, ``dbfs:/``, ``file:``) is handed to Spark as it
is; :func:`list_files` lists such a folder through the Hadoop FileSystem of the session.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["is_uri", "list_files", "read_file", "read_json_fields", "spark_path"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


def is_uri(path: str | Path) -> bool:
    """Whether ``path`` names a file system by scheme (``s3a://b/k``, ``file:///x``, ``dbfs:/x``)."""
    text = str(path)
    return bool(_SCHEME.match(text)) and not re.match(r"^[A-Za-z]:[\\/]", text)  # not C:\


def spark_path(path: str | Path) -> str:
    """What Spark reads for ``path``: a URI as it is, a local path as an absolute ``file:`` URI."""
    if is_uri(path):
        return str(path)
    return Path(path).resolve().as_uri()


def list_files(session: SparkSession, uri: str, suffixes: Sequence[str]) -> list[str]:
    """Files under ``uri`` (itself if a file) whose names end with one of ``suffixes``, sorted.

    Listed through the Hadoop FileSystem of the session, so whatever connector the cluster has for the
    scheme (S3A, ABFS, GCS, DBFS) is used.
    """
    jvm = session.sparkContext._jvm
    assert jvm is not None
    conf = session.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(uri)
    fs = hpath.getFileSystem(conf)
    if not fs.exists(hpath):
        from cloudcarbon.exceptions import SourceNotFound

        raise SourceNotFound(uri, "no such file or folder; check the path passed to --source")
    if fs.getFileStatus(hpath).isFile():
        return [str(hpath.toString())]
    out: list[str] = []
    it = fs.listFiles(hpath, True)
    while it.hasNext():
        name = str(it.next().getPath().toString())
        if name.lower().endswith(tuple(suffixes)):
            out.append(name)
    return sorted(out)


def _with_row(df: DataFrame) -> DataFrame:
    """``df`` (one file, records in file order) with a 1-based ``__row``.

    ``monotonically_increasing_id`` numbers the records of each task from ``task << 33``; the running
    count of the tasks before makes it the record's position in the file.
    """
    from pyspark.sql import functions as F

    tagged = df.withColumn("__mid", F.monotonically_increasing_id()).withColumn(
        "__part", F.spark_partition_id()
    )
    parts = df.rdd.getNumPartitions()
    if parts <= 1:
        return tagged.select(*[F.col(f"`{c}`") for c in df.columns], (F.col("__mid") + 1).alias("__row"))
    counts: dict[int, int] = {int(r[0]): int(r[1]) for r in tagged.groupBy("__part").count().collect()}
    offset, before = {}, 0
    for p in range(parts):
        offset[p] = before
        before += int(counts.get(p, 0))
    expr = F.lit(0)
    for p, o in offset.items():
        expr = F.when(F.col("__part") == p, F.lit(o)).otherwise(expr)
    row = F.col("__mid") - F.shiftleft(F.col("__part").cast("bigint"), 33) + expr + 1
    return tagged.select(*[F.col(f"`{c}`") for c in df.columns], row.alias("__row"))


def read_file(session: SparkSession, path: Path | str, workdir: Path) -> DataFrame:
    """One data file as a DataFrame with ``__row`` (see the module docstring)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from cloudcarbon.connectors._io import read_header, readable_path

    local = not is_uri(path)
    real: Path | str = readable_path(Path(path), workdir) if local else str(path)
    name = str(real).lower()
    target = spark_path(real)
    if name.endswith(".parquet"):
        df = session.read.parquet(target)
        return df.select("*", (F.col("_metadata.row_index") + 1).alias("__row"))
    names = read_header(Path(path)) if local else _uri_header(session, target)
    schema = T.StructType([T.StructField(n, T.StringType(), True) for n in names])
    df = (
        session.read.option("header", True)
        .option("multiLine", True)
        .option("mode", "FAILFAST")
        .option("quote", '"')
        .option("escape", '"')
        .option("encoding", "UTF-8")
        .option("enforceSchema", True)
        .schema(schema)
        .csv(target)
    )
    return _with_row(df)


def _uri_header(session: SparkSession, uri: str) -> list[str]:
    """Column names of a CSV file named by URI (its first record, read by Spark)."""
    first = session.read.option("multiLine", True).option("escape", '"').csv(uri).limit(1).collect()
    if not first:
        from cloudcarbon.exceptions import SourceError

        raise SourceError(uri, "the file is empty; export the report again")
    return [str(v).strip().lstrip("\ufeff") for v in first[0]]


def read_json_fields(
    session: SparkSession,
    path: Path | str,
    workdir: Path,
    fields: dict[str, tuple[str, ...]],
    lists: Sequence[str],
) -> DataFrame:
    """A JSON-lines file as text columns named ``a.b`` for each field path (lists kept as JSON text)."""
    from pyspark.sql import functions as F

    target = spark_path(path)
    lines = session.read.text(target)
    lines = lines.where(F.trim(F.col("value")) != "")
    numbered = _with_row(lines)
    cols = []
    for p in fields.values():
        jp = "$" + "".join(f"['{k}']" for k in p)
        cols.append(F.get_json_object(F.col("value"), jp).alias(".".join(p)))
    del lists
    return numbered.select(*cols, F.col("__row"))
