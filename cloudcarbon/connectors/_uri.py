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

import io
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "HadoopPath",
    "UriStat",
    "bind",
    "is_uri",
    "list_files",
    "read_file",
    "read_json_fields",
    "spark_path",
]

#: the session whose Hadoop FileSystem :class:`HadoopPath` uses (set by the Spark engine, see :func:`bind`)
_session: list[Any] = []


def bind(session: SparkSession | None) -> None:
    """Use ``session``'s Hadoop configuration for :class:`HadoopPath` (``None``: forget it)."""
    _session.clear()
    if session is not None:
        _session.append(session)


def _hadoop() -> tuple[Any, Any]:
    """The JVM gateway and the Hadoop configuration of the bound (else the active) session."""
    session = _session[0] if _session else None
    if session is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - parse_source only makes a HadoopPath for Spark runs
            session = None
        else:
            session = SparkSession.getActiveSession()
    if session is None:
        from cloudcarbon.exceptions import ConfigError

        raise ConfigError(None, "a URI source is read through Spark's Hadoop FileSystem: use --engine spark")
    jvm = session.sparkContext._jvm
    return jvm, session.sparkContext._jsc.hadoopConfiguration()


@dataclass(frozen=True)
class UriStat:
    """What ``HadoopPath.stat()`` gives: size in bytes and modification time (seconds, as ``os.stat``)."""

    st_size: int
    st_mtime: float
    st_mtime_ns: int


class HadoopPath:
    """A file or folder named by URI (``s3a://bucket/key``, ``abfss://c@a.dfs.core.windows.net/x``,
    ``gs://b/k``, ``dbfs:/x``, ``file:///x``), with the part of :class:`pathlib.Path` the connectors use
    (``name``, ``suffix``, ``parent``, ``/``, ``exists``, ``is_file``, ``is_dir``, ``rglob``, ``open``,
    ``read_text``, ``stat``), answered by the Hadoop FileSystem of the Spark session: the connectors'
    file logic (manifests, deliveries, detection) runs unchanged on local paths and on URIs.
    """

    __slots__ = ("_path", "_root")

    def __init__(self, uri: str, _path: str | None = None) -> None:
        if _path is not None:
            self._root, self._path = uri, _path
            return
        m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*:(?://[^/]*)?)(/.*)?$", uri)
        if m is None:  # pragma: no cover - callers check is_uri first
            raise ValueError(uri)
        root, path = m.group(1), m.group(2) or "/"
        if root.lower() == "file:":  # file:/x as Hadoop writes it: the same file as file:///x
            root = "file://"
        self._root = root
        self._path = posixpath.normpath(path) if path != "/" else "/"
        if self._path.startswith("//"):
            self._path = "/" + self._path.lstrip("/")

    # -- pure parts --------------------------------------------------------------------------------
    def __str__(self) -> str:
        return self._root + self._path

    def __repr__(self) -> str:
        return f"HadoopPath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HadoopPath) and str(other) == str(self)

    def __lt__(self, other: HadoopPath) -> bool:
        return str(self) < str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    @property
    def name(self) -> str:
        return posixpath.basename(self._path)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    @property
    def suffixes(self) -> list[str]:
        return Path(self.name).suffixes

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    @property
    def parent(self) -> HadoopPath:
        return HadoopPath(self._root, posixpath.dirname(self._path) or "/")

    @property
    def parents(self) -> list[HadoopPath]:
        out, p = [], self
        while p._path != "/":
            p = p.parent
            out.append(p)
        return out

    def joinpath(self, *parts: str) -> HadoopPath:
        path = self._path
        for part in parts:
            path = posixpath.join(path, str(part))
        return HadoopPath(self._root, posixpath.normpath(path))

    def __truediv__(self, part: str) -> HadoopPath:
        return self.joinpath(part)

    def resolve(self) -> HadoopPath:
        return self

    def as_uri(self) -> str:
        return str(self)

    def within(self, folder: HadoopPath) -> bool:
        """Whether this path is ``folder`` or inside it (same file system)."""
        if self._root != folder._root:
            return False
        return posixpath.commonpath([self._path, folder._path]) == folder._path

    # -- through Hadoop ----------------------------------------------------------------------------
    def _fs(self) -> tuple[Any, Any]:
        jvm, conf = _hadoop()
        hpath = jvm.org.apache.hadoop.fs.Path(str(self))
        return hpath.getFileSystem(conf), hpath

    def _status(self) -> Any:
        fs, hpath = self._fs()
        try:
            return fs.getFileStatus(hpath)
        except Exception as exc:  # py4j wraps java.io.FileNotFoundException
            if "FileNotFoundException" in str(exc):
                return None
            raise

    def exists(self) -> bool:
        return self._status() is not None

    def is_file(self) -> bool:
        st = self._status()
        return st is not None and bool(st.isFile())

    def is_dir(self) -> bool:
        st = self._status()
        return st is not None and bool(st.isDirectory())

    def stat(self) -> UriStat:
        st = self._status()
        if st is None:
            raise FileNotFoundError(str(self))
        ms = int(st.getModificationTime())
        return UriStat(st_size=int(st.getLen()), st_mtime=ms / 1000.0, st_mtime_ns=ms * 1_000_000)

    def rglob(self, pattern: str) -> Iterator[HadoopPath]:
        """Files below this folder whose names match ``pattern`` (``*``, ``*Manifest.json``); folders
        are not listed (Hadoop's recursive listing gives files only, which is what callers keep)."""
        import fnmatch

        if not self.is_dir():  # as pathlib: nothing below a missing folder or a file
            return
        fs, hpath = self._fs()
        it = fs.listFiles(hpath, True)
        found = []
        while it.hasNext():
            p = HadoopPath(str(it.next().getPath().toString()))
            if fnmatch.fnmatchcase(p.name, pattern):
                found.append(p)
        yield from sorted(found)

    def open(self, mode: str = "rb", encoding: str | None = None) -> Any:
        if mode not in ("rb", "r", "rt"):
            raise ValueError(f"{self}: read only ({mode!r})")
        fs, hpath = self._fs()
        length = int(fs.getFileStatus(hpath).getLen())
        raw = io.BufferedReader(_HadoopStream(fs.open(hpath), length), buffer_size=1 << 20)
        if mode == "rb":
            return raw
        return io.TextIOWrapper(raw, encoding=encoding or "utf-8")

    def read_bytes(self) -> bytes:
        with self.open("rb") as fh:
            data: bytes = fh.read()
            return data

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)


class _HadoopStream(io.RawIOBase):
    """A Hadoop ``FSDataInputStream`` as a seekable Python binary stream (bytes cross py4j in blocks)."""

    def __init__(self, stream: Any, length: int) -> None:
        self._s = stream
        self._len = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        pos = offset if whence == 0 else self._pos + offset if whence == 1 else self._len + offset
        pos = max(0, min(pos, self._len))
        self._s.seek(pos)
        self._pos = pos
        return pos

    def readinto(self, b: Any) -> int:
        n = min(len(b), self._len - self._pos)
        if n <= 0:
            return 0
        data = bytes(self._s.readNBytes(n))
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._s.close()
        super().close()


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

    src: Any = path if not isinstance(path, str) else HadoopPath(path) if is_uri(path) else Path(path)
    # zip members and UTF-16 text are converted on the driver (a local copy); other files, local or
    # URI, are read where they lie
    real = readable_path(src, workdir)
    name = str(real).lower()
    target = spark_path(real)
    if name.endswith(".parquet"):
        df = session.read.parquet(target)
        return df.select("*", (F.col("_metadata.row_index") + 1).alias("__row"))
    names = read_header(src)  # the first record, through the Hadoop FileSystem for a URI
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
