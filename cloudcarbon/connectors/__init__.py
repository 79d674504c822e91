"""Connectors: one module per billing source, all with the same small interface (see ``base``).

``parse_source("aws:exports/cur")`` names a source; ``connector_for(source)`` returns the connector
module, detecting the format from the file header when the provider was not named.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import tomllib
import warnings
from pathlib import Path
from types import ModuleType
from typing import cast

from cloudcarbon.connectors._io import candidate_files, read_header
from cloudcarbon.connectors.base import Connector, ScanContext, Source
from cloudcarbon.exceptions import CloudCarbonWarning, SourceError, UnrecognisedExport

__all__ = [
    "CONNECTORS",
    "Connector",
    "ScanContext",
    "Source",
    "available",
    "connector_for",
    "detect",
    "expand_source",
    "for_engine",
    "parse_source",
]


def _discover() -> dict[str, ModuleType]:
    """Every public module of this package that defines the connector interface, by ``NAME``."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(module, a) for a in ("NAME", "sniff", "scan", "diagnose")):
            found[module.NAME] = module
    return found


#: Registered connectors by ``NAME``.
CONNECTORS: dict[str, ModuleType] = _discover()


def available() -> list[str]:
    """Names accepted as ``NAME:PATH`` in ``--source``."""
    return sorted(CONNECTORS)


def parse_source(spec: str | Path | Source) -> Source:
    """Parse ``PATH`` or ``NAME:PATH`` (e.g. ``aws:./cur``) into a :class:`Source`."""
    if isinstance(spec, Source):
        return spec
    text = str(spec)
    name, sep, rest = text.partition(":")
    if sep and name in CONNECTORS and rest:
        return Source(_path(rest), name)
    if text.startswith("file:") or _is_uri(text):
        return Source(_path(text))
    if sep and name.isalpha() and len(name) > 1 and name not in CONNECTORS and not Path(text).exists():
        raise SourceError(text, f"unknown source type {name!r}; use one of {', '.join(available())}")
    return Source(Path(text))


def _is_uri(text: str) -> bool:
    from cloudcarbon.connectors._uri import is_uri

    return is_uri(text)


def _path(text: str) -> Path:
    """A path, or a URI (``s3a://``, ``abfss://``, ``gs://``, ``dbfs:/``, ``file:``) as a
    :class:`~cloudcarbon.connectors._uri.HadoopPath`, read through Spark's Hadoop FileSystem (see
    :func:`for_engine` for the embedded engine)."""
    from cloudcarbon.connectors._uri import HadoopPath, is_uri

    if is_uri(text):
        if text.startswith("file:"):
            _local(text)  # a file: URI naming another host is refused here, whatever the engine
        return cast(Path, HadoopPath(text))
    return Path(text)


def for_engine(source: Source, dialect: str) -> Source:
    """``source`` as the engine of ``dialect`` reads it: Spark reads a URI where it lies; the embedded
    engine reads a ``file:`` URI as the local path it names and refuses other URIs with one line."""
    from cloudcarbon.connectors._uri import HadoopPath

    if dialect == "spark" or not isinstance(source.path, HadoopPath):
        return source
    text = str(source.path)
    if text.startswith("file:"):
        return Source(_local(text), source.provider)
    scheme = text.split(":", 1)[0]
    raise SourceError(
        text,
        f"{scheme}: URIs are read by the Spark engine only; run with --engine spark (docs/spark.md), or "
        "download the export (or mount the bucket or volume) and pass the local path",
    )


def _local(text: str) -> Path:
    """A ``file:`` URI (``file:///data/cur``, ``file:/data/cur``, as Spark and Hadoop write them) as the
    local path it names; any other text as a path."""
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]+):/", text)
    if scheme and scheme.group(1).lower() != "file":
        raise SourceError(
            text,
            f"{scheme.group(1)}: URIs are not read directly yet; mount the bucket or volume (on Databricks "
            "/Volumes/... or /dbfs/...) or copy the export, and pass the local path (docs/spark.md)",
        )
    if text.startswith("file:"):
        from urllib.parse import unquote, urlparse

        parsed = urlparse(text)
        if parsed.netloc not in ("", "localhost"):
            raise SourceError(text, "a file: URI must name a local file (file:///path); use the path itself")
        return Path(unquote(parsed.path))
    return Path(text)


def _format_of(f: Path) -> tuple[str | None, list[tuple[int, str, list[str]]]]:
    """The connector whose required columns file ``f`` has (None), and the closest misses."""
    if f.suffix.lower() == ".toml":
        return ("inventory" if _is_inventory_toml(f) else None), []
    header = read_header(f)
    scores = []
    for name, module in CONNECTORS.items():
        missing = cast(Connector, module).sniff(header)
        if not missing:
            return name, []
        scores.append((len(missing), name, missing))
    scores.sort()
    return None, scores


def _is_inventory_toml(f: Path) -> bool:
    try:
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(doc.get("server"), list)


def _formats(path: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """The files under ``path`` by detected format, and the files no connector recognises."""
    files = (
        candidate_files(path)
        if path.is_file()
        else [
            *candidate_files(path),
            *sorted(p for p in path.rglob("*.toml") if p.is_file() and _is_inventory_toml(p)),
        ]
    )
    found: dict[str, list[Path]] = {}
    unknown: list[Path] = []
    for f in files:
        name, _ = _format_of(f)
        if name is None:
            unknown.append(f)
        else:
            found.setdefault(name, []).append(f)
    return found, unknown


def detect(path: Path) -> str:
    """The connector whose required columns the data files under ``path`` have.

    Raises
    ------
    UnrecognisedExport
        No connector matches; the error lists the closest formats and the columns they missed.
    SourceError
        A folder holds the exports of several formats (use :func:`expand_source` to read them all).
    """
    found, unknown = _formats(path)
    if not found:
        first = unknown[0]
        _, scores = _format_of(first)
        raise UnrecognisedExport(first, closest=[(n, m) for _, n, m in scores[:3]])
    if len(found) > 1:
        kinds = ", ".join(f"{n} ({len(fs)} file(s), e.g. {fs[0]})" for n, fs in sorted(found.items()))
        raise SourceError(
            path,
            f"holds exports of several formats: {kinds}; pass each with its own --source NAME:PATH",
        )
    return next(iter(found))


def _inside(f: Path, folder: Path) -> bool:
    return os.path.commonpath([os.path.abspath(f), os.path.abspath(folder)]) == os.path.abspath(folder)


def expand_source(source: Source) -> list[Source]:
    """``source`` as one source per format: a folder holding several providers' exports is split.

    Each format's files must sit in a folder of their own below ``source.path`` (as ``cloudcarbon demo``
    writes them: ``aws-cur/``, ``gcp/``...); each becomes a source of that provider with the highest
    such folder, so report manifests next to the data are still found. Files that no connector
    recognises are skipped with a :class:`~cloudcarbon.exceptions.CloudCarbonWarning` naming them.

    Raises
    ------
    SourceError
        Exports of several formats are mixed in one folder (the error names a file of each).
    UnrecognisedExport
        No file under the path is a known export.
    """
    if source.provider is not None or source.path.is_file() or not source.path.is_dir():
        return [source]
    found, unknown = _formats(source.path)
    if len(found) <= 1:
        if not found:
            detect(source.path)  # raises UnrecognisedExport naming the first file
        return [Source(source.path, next(iter(found)))]
    if not isinstance(source.path, Path):  # a URI folder (HadoopPath) holding several formats
        kinds = ", ".join(f"{n} (e.g. {fs[0]})" for n, fs in sorted(found.items()))
        raise SourceError(
            source.path,
            f"holds exports of several formats: {kinds}; pass each with its own --source NAME:URI",
        )
    root = source.path
    out: list[Source] = []
    placed: list[Path] = []
    for name, files in sorted(found.items()):
        others = [f for n, fs in found.items() if n != name for f in fs]
        folder = Path(os.path.commonpath([os.path.abspath(f.parent) for f in files]))
        if os.path.abspath(folder) == os.path.abspath(root) or any(_inside(o, folder) for o in others):
            kinds = ", ".join(f"{n} (e.g. {fs[0]})" for n, fs in sorted(found.items()))
            raise SourceError(
                root,
                f"mixes exports of several formats in one folder: {kinds}; put each provider's export "
                "in a folder of its own, or pass each with --source NAME:PATH",
            )
        # climb while the folder holds no other format's files (to include manifests next to the data)
        while (
            folder.parent != folder
            and os.path.abspath(folder.parent) != os.path.abspath(root)
            and not any(_inside(o, folder.parent) for o in others)
        ):
            folder = folder.parent
        out.append(Source(folder, name))
        placed.extend(files)
    skipped = [f for f in unknown if not any(_inside(f, s.path) for s in out)]
    if skipped:
        warnings.warn(
            f"{root}: read {', '.join(f'{s.provider} from {s.path}' for s in out)}; skipped "
            f"{len(skipped)} file(s) that are no known export: {', '.join(str(f) for f in skipped[:5])}"
            + (" ..." if len(skipped) > 5 else ""),
            CloudCarbonWarning,
            stacklevel=2,
        )
    return out


def connector_for(source: Source) -> tuple[Source, Connector]:
    """The source with its provider filled in, and its connector module."""
    provider = source.provider or detect(source.path)
    return Source(source.path, provider), cast(Connector, CONNECTORS[provider])
