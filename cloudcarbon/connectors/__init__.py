"""Connectors: one module per billing source, all with the same small interface (see ``base``).

``parse_source("aws:exports/cur")`` names a source; ``connector_for(source)`` returns the connector
module, detecting the format from the file header when the provider was not named.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import cast

from cloudcarbon.connectors._io import data_files, read_header
from cloudcarbon.connectors.base import Connector, ScanContext, Source
from cloudcarbon.exceptions import SourceError, UnrecognisedExport

__all__ = [
    "CONNECTORS",
    "Connector",
    "ScanContext",
    "Source",
    "available",
    "connector_for",
    "detect",
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
        return Source(Path(rest), name)
    if sep and name.isalpha() and len(name) > 1 and name not in CONNECTORS and not Path(text).exists():
        raise SourceError(text, f"unknown source type {name!r}; use one of {', '.join(available())}")
    return Source(Path(text))


def detect(path: Path) -> str:
    """The connector whose required columns the first data file under ``path`` has.

    Raises
    ------
    UnrecognisedExport
        No connector matches; the error lists the closest formats and the columns they missed.
    """
    files = data_files(path)
    header = read_header(files[0])
    scores = []
    for name, module in CONNECTORS.items():
        missing = cast(Connector, module).sniff(header)
        if not missing:
            return name
        scores.append((len(missing), name, missing))
    scores.sort()
    raise UnrecognisedExport(files[0], closest=[(n, m) for _, n, m in scores[:3]])


def connector_for(source: Source) -> tuple[Source, Connector]:
    """The source with its provider filled in, and its connector module."""
    provider = source.provider or detect(source.path)
    return Source(source.path, provider), cast(Connector, CONNECTORS[provider])
